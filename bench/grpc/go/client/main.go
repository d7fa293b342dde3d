// bench/grpc/go/client — the grpc-go peer client for the gRPC benchmark,
// with the modes and output of bench/grpc/bench_client.c (see there):
// verify, pingpong, throughput.
//
// Ping-pong is a loop of blocking calls; throughput runs --inflight
// goroutines, each a loop of blocking calls on one shared connection: the
// usual way to load a server from Go. Run with GOMAXPROCS=1 by run.sh.
//
// Usage:
//
//	bench_client_go MODE --target=HOST:PORT [--seconds=2] [--warmup=0.5] [--lb=POLICY]
//	    [--inflight=128] [--payload=100]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	pb "cgrpcbench/benchpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// payload: byte i is (i * 31 + seed) mod 256, as in every client of the
// benchmark.
func payload(n int, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + seed)
	}
	return b
}

func verifyUnary(c pb.BenchClient, n int) error {
	want := payload(n, n)
	resp, err := c.Unary(context.Background(), &pb.Req{Payload: want})
	if err != nil {
		return fmt.Errorf("Unary failed: %v", err)
	}
	if !bytes.Equal(resp.Payload, want) {
		return errors.New("Unary echoed a different payload")
	}
	return nil
}

// verifyStream: messages echoed one by one, then a burst sent before
// reading any.
func verifyStream(c pb.BenchClient) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := c.Stream(ctx)
	if err != nil {
		return fmt.Errorf("Stream failed: %v", err)
	}
	for _, n := range []int{0, 1, 100, 1024, 100000} {
		if err := s.Send(&pb.Req{Payload: payload(n, n)}); err != nil {
			return fmt.Errorf("Stream refused a message: %v", err)
		}
		resp, err := s.Recv()
		if err != nil || !bytes.Equal(resp.Payload, payload(n, n)) {
			return fmt.Errorf("Stream did not echo a message sent alone (%v)", err)
		}
	}
	burst := []int{5, 6, 7, 1024, 2048}
	for _, n := range burst {
		if err := s.Send(&pb.Req{Payload: payload(n, n)}); err != nil {
			return fmt.Errorf("Stream refused a message: %v", err)
		}
	}
	if err := s.CloseSend(); err != nil {
		return fmt.Errorf("Stream could not half-close: %v", err)
	}
	for _, n := range burst {
		resp, err := s.Recv()
		if err != nil || !bytes.Equal(resp.Payload, payload(n, n)) {
			return fmt.Errorf("Stream did not echo a burst (%v)", err)
		}
	}
	if _, err := s.Recv(); err != io.EOF {
		return fmt.Errorf("Stream did not end with OK after the echoes: %v", err)
	}
	return nil
}

func runVerify(c pb.BenchClient) error {
	for _, n := range []int{100, 0, 100000} {
		if err := verifyUnary(c, n); err != nil {
			return err
		}
	}
	if err := verifyStream(c); err != nil {
		return err
	}
	fmt.Println("verify ok: 3 unary calls, 1 stream of 10 messages")
	return nil
}

// quantileUs: the q-quantile of sorted samples, the value at index
// floor(q * n).
func quantileUs(sorted []time.Duration, q float64) float64 {
	i := int(q * float64(len(sorted)))
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return float64(sorted[i].Nanoseconds()) / 1e3
}

func runPingpong(c pb.BenchClient, seconds, warmup float64, size int) error {
	req := &pb.Req{Payload: payload(size, 0)}
	samples := make([]time.Duration, 0, 1<<16)
	start := time.Now()
	var measuredFrom time.Time
	measuring := false
	for {
		elapsed := time.Since(start).Seconds()
		if !measuring && elapsed >= warmup {
			measuring = true
			measuredFrom = time.Now()
		}
		if elapsed >= warmup+seconds {
			break
		}
		t0 := time.Now()
		resp, err := c.Unary(context.Background(), req)
		rtt := time.Since(t0)
		if err != nil {
			return fmt.Errorf("Unary failed: %v", err)
		}
		if !bytes.Equal(resp.Payload, req.Payload) {
			return errors.New("Unary echoed a different payload")
		}
		if measuring {
			samples = append(samples, rtt)
		}
	}
	if len(samples) == 0 {
		return errors.New("no call completed in the measured time")
	}
	secs := time.Since(measuredFrom).Seconds()
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	fmt.Printf("mode=pingpong calls=%d seconds=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f\n",
		len(samples), secs, float64(len(samples))/secs, quantileUs(samples, 0.50),
		quantileUs(samples, 0.99))
	return nil
}

// processCPUSeconds: user and system time of the whole process.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func runThroughput(c pb.BenchClient, seconds, warmup float64, inflight, size int) error {
	req := &pb.Req{Payload: payload(size, 0)}
	var calls uint64
	var stop int32
	var failure atomic.Value
	var wg sync.WaitGroup
	for i := 0; i < inflight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.LoadInt32(&stop) == 0 {
				resp, err := c.Unary(context.Background(), req)
				if err == nil && !bytes.Equal(resp.Payload, req.Payload) {
					err = errors.New("Unary echoed a different payload")
				}
				if err != nil {
					failure.Store(err)
					return
				}
				atomic.AddUint64(&calls, 1)
			}
		}()
	}
	time.Sleep(time.Duration(warmup * float64(time.Second)))
	c0, t0, cpu0 := atomic.LoadUint64(&calls), time.Now(), processCPUSeconds()
	time.Sleep(time.Duration(seconds * float64(time.Second)))
	c1, secs, cpu := atomic.LoadUint64(&calls), time.Since(t0).Seconds(), processCPUSeconds()-cpu0
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	if err, ok := failure.Load().(error); ok {
		return err
	}
	if c1 == c0 {
		return errors.New("no call completed in the measured time")
	}
	fmt.Printf("mode=throughput calls=%d seconds=%.3f rate=%.1f cpu_us_per_call=%.2f\n", c1-c0,
		secs, float64(c1-c0)/secs, cpu*1e6/float64(c1-c0))
	return nil
}

func main() {
	target := flag.String("target", "", "HOST:PORT")
	seconds := flag.Float64("seconds", 2, "measured seconds")
	warmup := flag.Float64("warmup", 0.5, "seconds before measuring")
	inflight := flag.Int("inflight", 128, "calls in flight (throughput)")
	size := flag.Int("payload", 100, "request payload bytes")
	lb := flag.String("lb", "", "load-balancing policy (with an ipv4:A:P,B:P target)")
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench_client_go verify|pingpong|throughput --target=HOST:PORT ...")
		os.Exit(2)
	}
	mode := os.Args[1]
	flag.CommandLine.Parse(os.Args[2:])
	if *target == "" || *seconds <= 0 || *warmup < 0 || *inflight <= 0 || *size < 0 {
		fmt.Fprintln(os.Stderr, "bench_client_go: bad arguments")
		os.Exit(2)
	}
	dialTarget := *target
	dialOpts := []grpc.DialOption{grpc.WithInsecure()}
	if *lb != "" {
		// grpc-go has no ipv4: scheme: the addresses go through a manual
		// resolver, the policy through the default service config.
		var addrs []resolver.Address
		for _, a := range strings.Split(strings.TrimPrefix(*target, "ipv4:"), ",") {
			addrs = append(addrs, resolver.Address{Addr: a})
		}
		r := manual.NewBuilderWithScheme("bench")
		r.InitialState(resolver.State{Addresses: addrs})
		dialTarget = r.Scheme() + ":///backends"
		dialOpts = append(dialOpts, grpc.WithResolvers(r),
			grpc.WithDefaultServiceConfig(`{"loadBalancingConfig": [{"`+*lb+`": {}}]}`))
	}
	conn, err := grpc.Dial(dialTarget, dialOpts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench_client_go: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	c := pb.NewBenchClient(conn)
	switch mode {
	case "verify":
		err = runVerify(c)
	case "pingpong":
		err = runPingpong(c, *seconds, *warmup, *size)
	case "throughput":
		err = runThroughput(c, *seconds, *warmup, *inflight, *size)
	default:
		fmt.Fprintf(os.Stderr, "bench_client_go: unknown mode %q\n", mode)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench_client_go: %v\n", err)
		os.Exit(1)
	}
}
