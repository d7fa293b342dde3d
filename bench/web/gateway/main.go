// grpc-gateway 1.6.4 (Debian golang-grpc-gateway) in front of a gRPC
// server: the peer of cgrpc's in-process REST transcoding in the REST
// benchmark. Usage: gateway -listen 127.0.0.1:0 -backend 127.0.0.1:PORT
// Prints "port N" once listening.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/grpc-ecosystem/grpc-gateway/runtime"
	"google.golang.org/grpc"

	pb "restbench/pb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve REST on")
	backend := flag.String("backend", "", "the gRPC server")
	flag.Parse()
	mux := runtime.NewServeMux()
	err := pb.RegisterCatalogHandlerFromEndpoint(context.Background(), mux, *backend,
		[]grpc.DialOption{grpc.WithInsecure()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
	fmt.Printf("port %d\n", l.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	fmt.Fprintln(os.Stderr, http.Serve(l, mux))
}
