// bench/grpc/cpp/server.cc — the grpc C++ peer server for the gRPC
// benchmark: the asynchronous completion-queue API with one thread, the way
// grpc C++ is written when speed matters.
//
// Every call is an object that moves through its states as its completion
// queue tags come back. Calls of each method are requested in advance
// (--contexts, 100) so an arriving call never waits for a handler object;
// each call, once started, requests its replacement. Unary moves the
// request's payload into the response (no copy). Stream keeps one read and
// one write in flight at once, the most the async API allows, so it is never
// idle waiting for a write.
//
// Usage: bench_server_cpp --port=N [--contexts=N] [--tls-cert=PEM --tls-key=PEM].
// With the TLS flags the port speaks TLS. SIGTERM ends it.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <grpcpp/grpcpp.h>

#include "bench.grpc.pb.h"

namespace {

using bench::Bench;

// A completion-queue tag: which call, and which of its operations finished.
class Call;
struct Tag {
  Call *call;
  int op;
};

class Call {
 public:
  virtual ~Call() = default;
  virtual void Done(int op, bool ok) = 0;
};

class UnaryCall final : public Call {
 public:
  UnaryCall(Bench::AsyncService *service, grpc::ServerCompletionQueue *cq)
      : service_(service), cq_(cq), responder_(&ctx_) {
    service_->RequestUnary(&ctx_, &req_, &responder_, cq_, cq_, &started_);
  }

  void Done(int op, bool ok) override {
    if (op == kStarted && ok) {
      new UnaryCall(service_, cq_);
      resp_.mutable_payload()->swap(*req_.mutable_payload());
      responder_.Finish(resp_, grpc::Status::OK, &finished_);
      return;
    }
    delete this;  // finished, or the server is shutting down
  }

 private:
  enum { kStarted, kFinished };
  Bench::AsyncService *service_;
  grpc::ServerCompletionQueue *cq_;
  grpc::ServerContext ctx_;
  bench::Req req_;
  bench::Resp resp_;
  grpc::ServerAsyncResponseWriter<bench::Resp> responder_;
  Tag started_{this, kStarted}, finished_{this, kFinished};
};

class StreamCall final : public Call {
 public:
  StreamCall(Bench::AsyncService *service, grpc::ServerCompletionQueue *cq)
      : service_(service), cq_(cq), stream_(&ctx_) {
    service_->RequestStream(&ctx_, &stream_, cq_, cq_, &started_);
  }

  void Done(int op, bool ok) override {
    switch (op) {
      case kStarted:
        if (!ok) break;
        new StreamCall(service_, cq_);
        Read();
        return;
      case kRead:
        reading_ = false;
        if (!ok) {
          eof_ = true;
        } else if (writing_) {
          held_ = true;  // written when the write in flight completes
        } else {
          WriteAndReadOn();
        }
        MaybeFinish();
        return;
      case kWritten:
        writing_ = false;
        if (!ok) {
          eof_ = true;  // the call is broken; end it
        } else if (held_) {
          held_ = false;
          WriteAndReadOn();
        }
        MaybeFinish();
        return;
      case kFinished:
        break;
    }
    delete this;
  }

 private:
  enum { kStarted, kRead, kWritten, kFinished };

  void Read() {
    reading_ = true;
    stream_.Read(&req_, &read_);
  }

  // Write() serializes the response at once, so the next read may reuse req_.
  void WriteAndReadOn() {
    resp_.mutable_payload()->swap(*req_.mutable_payload());
    writing_ = true;
    stream_.Write(resp_, &written_);
    if (!eof_) Read();
  }

  void MaybeFinish() {
    if (!eof_ || reading_ || writing_ || finishing_) return;
    finishing_ = true;
    stream_.Finish(grpc::Status::OK, &finished_);
  }

  Bench::AsyncService *service_;
  grpc::ServerCompletionQueue *cq_;
  grpc::ServerContext ctx_;
  bench::Req req_;
  bench::Resp resp_;
  grpc::ServerAsyncReaderWriter<bench::Resp, bench::Req> stream_;
  bool reading_ = false, writing_ = false, held_ = false, eof_ = false, finishing_ = false;
  Tag started_{this, kStarted}, read_{this, kRead}, written_{this, kWritten},
      finished_{this, kFinished};
};

}  // namespace

static std::string ReadFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

int main(int argc, char **argv) {
  int port = -1, contexts = 100;
  const char *tls_cert = nullptr, *tls_key = nullptr;
  for (int i = 1; i < argc; i++) {
    if (std::strncmp(argv[i], "--port=", 7) == 0) {
      port = std::atoi(argv[i] + 7);
    } else if (std::strncmp(argv[i], "--contexts=", 11) == 0) {
      contexts = std::atoi(argv[i] + 11);
    } else if (std::strncmp(argv[i], "--tls-cert=", 11) == 0) {
      tls_cert = argv[i] + 11;
    } else if (std::strncmp(argv[i], "--tls-key=", 10) == 0) {
      tls_key = argv[i] + 10;
    } else {
      port = -1;
      break;
    }
  }
  if (port < 0 || port > 65535 || contexts < 1 || !tls_cert != !tls_key) {
    std::fprintf(stderr,
                 "usage: bench_server_cpp --port=N [--contexts=N] [--tls-cert=PEM --tls-key=PEM]\n");
    return 2;
  }
  Bench::AsyncService service;
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (tls_cert) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({ReadFile(tls_key), ReadFile(tls_cert)});
    creds = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), creds);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::ServerCompletionQueue> cq = builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "bench_server_cpp: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::fprintf(stderr, "bench_server_cpp: listening on 127.0.0.1:%d\n", port);
  for (int i = 0; i < contexts; i++) {
    new UnaryCall(&service, cq.get());
    new StreamCall(&service, cq.get());
  }
  void *tag;
  bool ok;
  while (cq->Next(&tag, &ok)) {
    Tag *t = static_cast<Tag *>(tag);
    t->call->Done(t->op, ok);
  }
  return 0;
}
