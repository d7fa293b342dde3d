// bench/pb/codec_protobuf_cpp.cc — C++ protobuf (libprotobuf) in the
// protobuf benchmark.
//
// The usual fast path of the C++ library: ParseFromArray into one message
// that is reused, so its strings and repeated fields keep their capacity
// from one parse to the next; serialization computes ByteSizeLong() once and
// writes with the cached sizes, which is what SerializeToArray() does inside.
#include "bench.pb.h"
#include "harness.h"

namespace {

bench::Person filled;
bench::Person parsed;
const bench::Person *current = &filled;

bench_text_t Text(const std::string &s) { return bench_text_t{s.data(), s.size()}; }

void Fill() {
  const bench_fixture_t &f = bench_fixture;
  filled.Clear();
  filled.set_id(f.id);
  filled.set_name(f.name);
  filled.set_email(f.email);
  filled.set_score(f.score);
  filled.set_status(bench::STATUS_ACTIVE);
  for (int32_t sample : f.samples) filled.add_samples(sample);
  bench::Address *address = filled.mutable_address();
  address->set_street(f.street);
  address->set_city(f.city);
  address->set_country(f.country);
  address->set_zip(f.zip);
  for (const char *tag : f.tags) filled.add_tags(tag);
  filled.set_verified(f.verified);
  current = &filled;
}

int Decode(const uint8_t *buf, size_t len) {
  current = &parsed;
  return parsed.ParseFromArray(buf, static_cast<int>(len)) ? 0 : 1;
}

void View(bench_person_view_t *v) {
  const bench::Person &p = *current;
  v->id = p.id();
  v->name = Text(p.name());
  v->email = Text(p.email());
  v->score = p.score();
  v->status = p.status();
  v->samples = p.samples().data();
  v->sample_count = static_cast<size_t>(p.samples_size());
  v->has_address = p.has_address();
  v->street = Text(p.address().street());
  v->city = Text(p.address().city());
  v->country = Text(p.address().country());
  v->zip = p.address().zip();
  v->tag_count = static_cast<size_t>(p.tags_size());
  for (int i = 0; i < p.tags_size() && i < BENCH_VIEW_MAX_TAGS; i++) v->tags[i] = Text(p.tags(i));
  v->verified = p.verified();
}

size_t Encode(uint8_t *buf, size_t cap) {
  size_t size = current->ByteSizeLong();
  if (size > cap) return 0;
  current->SerializeWithCachedSizesToArray(buf);
  return size;
}

const bench_codec_t kCodecs[] = {
    {"protobuf-cpp", Fill, Decode, View, Encode, true},
};

}  // namespace

int main(int argc, char **argv) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  return bench_main(argc, argv, kCodecs, sizeof kCodecs / sizeof kCodecs[0]);
}
