// bench/grpc/cpp/client.cc — the grpc C++ peer client for the gRPC
// benchmark, with the modes and output of bench/grpc/bench_client.c (see
// there): verify, pingpong, throughput.
//
// Ping-pong uses the blocking stub, the usual way to make one call at a
// time. Throughput uses the asynchronous API on one completion queue and
// one thread: --inflight calls started, each completion starting the next.
//
// Usage: bench_client_cpp MODE --target=HOST:PORT [--seconds=2]
//                         [--warmup=0.5] [--inflight=128] [--payload=100]
//                         [--lb=POLICY]   (e.g. round_robin over "ipv4:A:P,B:P")
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "bench.grpc.pb.h"

namespace {

using bench::Bench;
using Clock = std::chrono::steady_clock;

struct Config {
  std::string mode, target;
  std::string lb;  // --lb=POLICY: the channel's load-balancing policy
  double seconds = 2, warmup = 0.5;
  int inflight = 128;
  size_t payload = 100;
};

// Byte i is (i * 31 + seed) mod 256, as in every client of the benchmark.
std::string Payload(size_t len, unsigned seed) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; i++) s[i] = static_cast<char>((i * 31 + seed) & 0xff);
  return s;
}

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU time of the whole process (every thread), in seconds.
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int Fail(const std::string &what, const grpc::Status &st = grpc::Status::OK) {
  if (st.ok()) {
    std::fprintf(stderr, "bench_client_cpp: %s\n", what.c_str());
  } else {
    std::fprintf(stderr, "bench_client_cpp: %s: code %d: %s\n", what.c_str(),
                 static_cast<int>(st.error_code()), st.error_message().c_str());
  }
  return 1;
}

int VerifyUnary(Bench::Stub &stub, size_t len) {
  bench::Req req;
  req.set_payload(Payload(len, static_cast<unsigned>(len)));
  bench::Resp resp;
  grpc::ClientContext ctx;
  grpc::Status st = stub.Unary(&ctx, req, &resp);
  if (!st.ok()) return Fail("verify: Unary failed", st);
  if (resp.payload() != req.payload()) return Fail("verify: Unary echoed a different payload");
  return 0;
}

// Messages echoed one by one, then a burst sent before reading any.
int VerifyStream(Bench::Stub &stub) {
  const size_t one_by_one[] = {0, 1, 100, 1024, 100000};
  const size_t burst[] = {5, 6, 7, 1024, 2048};
  grpc::ClientContext ctx;
  auto stream = stub.Stream(&ctx);
  bench::Req req;
  bench::Resp resp;
  const char *problem = nullptr;
  for (size_t len : one_by_one) {
    req.set_payload(Payload(len, static_cast<unsigned>(len)));
    if (!stream->Write(req) || !stream->Read(&resp) || resp.payload() != req.payload()) {
      problem = "verify: Stream did not echo a message sent alone";
      break;
    }
  }
  for (size_t i = 0; i < 5 && !problem; i++) {
    req.set_payload(Payload(burst[i], static_cast<unsigned>(burst[i])));
    if (!stream->Write(req)) problem = "verify: Stream refused a message";
  }
  stream->WritesDone();
  for (size_t i = 0; i < 5 && !problem; i++) {
    if (!stream->Read(&resp) || resp.payload() != Payload(burst[i], burst[i])) {
      problem = "verify: Stream did not echo a burst";
    }
  }
  if (!problem && stream->Read(&resp)) {
    problem = "verify: Stream answered more messages than it was sent";
  }
  if (problem) ctx.TryCancel();
  grpc::Status st = stream->Finish();
  if (problem) return Fail(problem);
  if (!st.ok()) return Fail("verify: Stream", st);
  return 0;
}

int RunVerify(Bench::Stub &stub) {
  if (VerifyUnary(stub, 100) || VerifyUnary(stub, 0) || VerifyUnary(stub, 100000) ||
      VerifyStream(stub)) {
    return 1;
  }
  std::printf("verify ok: 3 unary calls, 1 stream of 10 messages\n");
  return 0;
}

// The q-quantile of sorted samples: the value at index floor(q * n).
double QuantileUs(const std::vector<int64_t> &sorted, double q) {
  size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[i] / 1e3;
}

int RunPingpong(Bench::Stub &stub, const Config &cfg) {
  bench::Req req;
  req.set_payload(Payload(cfg.payload, 0));
  std::vector<int64_t> samples;
  samples.reserve(1 << 16);
  Clock::time_point start = Clock::now(), measured_from;
  bool measuring = false;
  for (;;) {
    double elapsed = Since(start);
    if (!measuring && elapsed >= cfg.warmup) {
      measuring = true;
      measured_from = Clock::now();
    }
    if (elapsed >= cfg.warmup + cfg.seconds) break;
    Clock::time_point t0 = Clock::now();
    grpc::ClientContext ctx;
    bench::Resp resp;
    grpc::Status st = stub.Unary(&ctx, req, &resp);
    Clock::time_point t1 = Clock::now();
    if (!st.ok()) return Fail("Unary failed", st);
    if (resp.payload() != req.payload()) return Fail("Unary echoed a different payload");
    if (measuring) {
      samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }
  }
  if (samples.empty()) return Fail("no call completed in the measured time");
  double secs = Since(measured_from);
  std::sort(samples.begin(), samples.end());
  std::printf("mode=pingpong calls=%zu seconds=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f\n",
              samples.size(), secs, samples.size() / secs, QuantileUs(samples, 0.50),
              QuantileUs(samples, 0.99));
  return 0;
}

// One call in flight: a fresh context per call, as grpc C++ requires.
struct Slot {
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::ClientAsyncResponseReader<bench::Resp>> rpc;
  bench::Resp resp;
  grpc::Status status;

  void Start(Bench::Stub &stub, const bench::Req &req, grpc::CompletionQueue *cq) {
    ctx = std::make_unique<grpc::ClientContext>();
    rpc = stub.AsyncUnary(ctx.get(), req, cq);
    rpc->Finish(&resp, &status, this);
  }
};

int RunThroughput(Bench::Stub &stub, const Config &cfg) {
  bench::Req req;
  req.set_payload(Payload(cfg.payload, 0));
  grpc::CompletionQueue cq;
  std::vector<Slot> slots(cfg.inflight);
  for (Slot &s : slots) s.Start(stub, req, &cq);
  Clock::time_point start = Clock::now(), measured_from;
  uint64_t calls = 0, measured_calls = 0;
  bool measuring = false, stopping = false;
  int active = cfg.inflight, rc = 0;
  double secs = 0, cpu0 = 0, cpu = 0;
  while (active > 0) {
    void *tag;
    bool ok;
    if (!cq.Next(&tag, &ok)) break;
    Slot *s = static_cast<Slot *>(tag);
    if (!ok || !s->status.ok()) {
      rc = Fail("Unary failed", s->status);
    } else if (s->resp.payload() != req.payload()) {
      rc = Fail("Unary echoed a different payload");
    }
    calls++;
    if (!stopping) {
      double elapsed = Since(start);
      if (!measuring && elapsed >= cfg.warmup) {
        measuring = true;
        measured_from = Clock::now();
        cpu0 = ProcessCpuSeconds();
        measured_calls = calls;
      } else if (measuring && elapsed >= cfg.warmup + cfg.seconds) {
        stopping = true;
        secs = Since(measured_from);
        cpu = ProcessCpuSeconds() - cpu0;
        measured_calls = calls - measured_calls;
      }
    }
    if (stopping || rc != 0) {
      active--;
    } else {
      s->Start(stub, req, &cq);
    }
  }
  if (rc != 0) return rc;
  if (!stopping || measured_calls == 0) return Fail("no call completed in the measured time");
  std::printf("mode=throughput calls=%llu seconds=%.3f rate=%.1f cpu_us_per_call=%.2f\n",
              static_cast<unsigned long long>(measured_calls), secs, measured_calls / secs,
              cpu * 1e6 / measured_calls);
  return 0;
}

bool Parse(int argc, char **argv, Config *cfg) {
  if (argc < 2) return false;
  cfg->mode = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (std::strncmp(a, "--target=", 9) == 0) {
      cfg->target = a + 9;
    } else if (std::strncmp(a, "--seconds=", 10) == 0) {
      cfg->seconds = std::atof(a + 10);
    } else if (std::strncmp(a, "--warmup=", 9) == 0) {
      cfg->warmup = std::atof(a + 9);
    } else if (std::strncmp(a, "--inflight=", 11) == 0) {
      cfg->inflight = std::atoi(a + 11);
    } else if (std::strncmp(a, "--payload=", 10) == 0) {
      cfg->payload = static_cast<size_t>(std::atol(a + 10));
    } else if (std::strncmp(a, "--lb=", 5) == 0) {
      cfg->lb = a + 5;
    } else {
      return false;
    }
  }
  return !cfg->target.empty() && cfg->seconds > 0 && cfg->warmup >= 0 && cfg->inflight > 0;
}

}  // namespace

int main(int argc, char **argv) {
  Config cfg;
  if (!Parse(argc, argv, &cfg)) {
    std::fprintf(stderr,
                 "usage: bench_client_cpp verify|pingpong|throughput --target=HOST:PORT "
                 "[--seconds=2] [--warmup=0.5] [--inflight=128] [--payload=100] [--lb=POLICY]\n");
    return 2;
  }
  grpc::ChannelArguments args;
  if (!cfg.lb.empty()) args.SetLoadBalancingPolicyName(cfg.lb);
  auto channel = grpc::CreateCustomChannel(cfg.target, grpc::InsecureChannelCredentials(), args);
  auto stub = Bench::NewStub(channel);
  if (cfg.mode == "verify") return RunVerify(*stub);
  if (cfg.mode == "pingpong") return RunPingpong(*stub, cfg);
  if (cfg.mode == "throughput") return RunThroughput(*stub, cfg);
  std::fprintf(stderr, "bench_client_cpp: unknown mode \"%s\"\n", cfg.mode.c_str());
  return 2;
}
