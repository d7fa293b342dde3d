// bench/grpc/go/server — the grpc-go peer server for the gRPC benchmark:
// the standard grpc.Server with generated handlers, run with GOMAXPROCS=1
// by bench/grpc/run.sh. Unary returns the request's payload as the
// response's (no copy); Stream echoes each message as it arrives.
//
// Usage: bench_server_go --port=N
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	pb "cgrpcbench/benchpb"
	"google.golang.org/grpc"
)

type benchServer struct{}

func (benchServer) Unary(ctx context.Context, req *pb.Req) (*pb.Resp, error) {
	return &pb.Resp{Payload: req.Payload}, nil
}

func (benchServer) Stream(stream pb.Bench_StreamServer) error {
	var resp pb.Resp
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		resp.Payload = req.Payload
		if err := stream.Send(&resp); err != nil {
			return err
		}
	}
}

func main() {
	port := flag.Int("port", -1, "TCP port on 127.0.0.1")
	flag.Parse()
	if *port < 0 || *port > 65535 {
		fmt.Fprintln(os.Stderr, "usage: bench_server_go --port=N")
		os.Exit(2)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", *port)
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench_server_go: %v\n", err)
		os.Exit(1)
	}
	srv := grpc.NewServer()
	pb.RegisterBenchServer(srv, benchServer{})
	fmt.Fprintf(os.Stderr, "bench_server_go: listening on %s\n", addr)
	if err := srv.Serve(lis); err != nil {
		fmt.Fprintf(os.Stderr, "bench_server_go: %v\n", err)
		os.Exit(1)
	}
}
