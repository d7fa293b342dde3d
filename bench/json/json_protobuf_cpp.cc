// bench/json/json_protobuf_cpp.cc — C++ protobuf's JSON (util/json_util.h)
// on the bench Person: JsonStringToMessage and MessageToJsonString with
// default options, the same text in and out as cgrpc.
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "bench.pb.h"
#include "person_json.h"
#include "timer.h"

static bench::Person person;
static const std::string text(bench_person_json);
static std::string out;

static int decode(void) {
  person.Clear();
  return google::protobuf::util::JsonStringToMessage(text, &person).ok() ? 0 : 1;
}

static int encode(void) {
  out.clear();
  return google::protobuf::util::MessageToJsonString(person, &out).ok() ? 0 : 1;
}

int main(int argc, char **argv) {
  int batches, ops;
  bench_args(argc, argv, &batches, &ops);
  if (decode() || encode()) {
    std::fprintf(stderr, "bench json protobuf-cpp: a call failed\n");
    return 1;
  }
  if (out != text) {
    std::fprintf(stderr, "bench json protobuf-cpp: printed text differs:\n%s\n", out.c_str());
    return 1;
  }
  if (argc > 1 && std::strcmp(argv[1], "verify") == 0) return 0;
  std::printf("protobuf-cpp decode %.1f\n", bench_time(decode, batches, ops));
  decode();
  std::printf("protobuf-cpp encode %.1f\n", bench_time(encode, batches, ops));
  return 0;
}
