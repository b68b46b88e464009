// Version-vector text "id1:3,id2:7" (actors/rules/version_vector.h), as it
// arrives in X-Version headers and is read back from SQLite. The input is
// one or two vectors separated by a NUL byte.
//
// Properties checked besides "no crash, no sanitizer report":
//   - parse(to_string(v)) == v, and no zero counter is ever stored;
//   - compare is antisymmetric (a before b <=> b after a, equal and
//     concurrent are symmetric) and compare(v, v) is equal;
//   - merge(a, b) dominates both and is b itself when a is before b;
//   - increment(id) makes a vector that descends from the old one (or, for
//     a counter already at 2^64-1, leaves it: it must never wrap to 0).
#include <string>

#include "actors/rules/version_vector.h"
#include "tests/fuzz/fuzz_util.h"

using namespace syncer;

namespace {

version_order mirror(version_order o) {
  switch (o) {
    case version_order::before: return version_order::after;
    case version_order::after: return version_order::before;
    default: return o;
  }
}

void check_one(const version_vector& v) {
  for (const auto& [id, counter] : v.counters()) {
    FUZZ_CHECK(counter != 0);
    FUZZ_CHECK(!id.empty());
  }
  auto text = v.to_string();
  auto back = version_vector::parse(text);
  FUZZ_CHECK(back && *back == v);
  FUZZ_CHECK(v.compare(v) == version_order::equal);
  FUZZ_CHECK(v.empty() == text.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fields = fuzz::split_fields(fuzz::as_text(data, size), 2);
  auto a = version_vector::parse(fields[0]);
  auto b = version_vector::parse(fields[1]);
  if (a) check_one(*a);
  if (b) check_one(*b);
  if (!a || !b) return 0;

  auto ab = a->compare(*b);
  FUZZ_CHECK(b->compare(*a) == mirror(ab));
  FUZZ_CHECK((ab == version_order::equal) == (*a == *b));

  version_vector merged = *a;
  merged.merge(*b);
  check_one(merged);
  auto ma = merged.compare(*a), mb = merged.compare(*b);
  FUZZ_CHECK(ma == version_order::after || ma == version_order::equal);
  FUZZ_CHECK(mb == version_order::after || mb == version_order::equal);
  if (ab == version_order::before || ab == version_order::equal) FUZZ_CHECK(merged == *b);

  // One more edit by every client the vectors name (and by a new one).
  for (const auto* v : {&*a, &*b}) {
    for (const auto& [id, counter] : v->counters()) {
      version_vector next = *v;
      next.increment(id);
      // A counter at the maximum stays there (it must not wrap to 0).
      FUZZ_CHECK(next.compare(*v) == (counter == UINT64_MAX ? version_order::equal : version_order::after));
      check_one(next);
    }
  }
  version_vector next = *a;
  next.increment("fuzz-new-client");
  FUZZ_CHECK(next.compare(*a) == version_order::after);
  return 0;
}
