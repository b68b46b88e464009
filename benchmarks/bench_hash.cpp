// SHA-256 of the hasher (Crypto++) next to OpenSSL's EVP SHA-256 on the
// same buffer, so the ratio is measured in one binary and one run.
// BM_Sha256_Ratio times both alternately inside each iteration, so CPU
// frequency changes and noisy neighbours hit both sides alike; its
// `crypto_over_openssl` counter is Crypto++ throughput / OpenSSL throughput.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <chrono>
#include <string>
#include <vector>

#include "storage/sha256.h"

namespace {

std::vector<unsigned char> make_buffer(size_t n) {
  std::vector<unsigned char> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(i * 2654435761u >> 13);
  return b;
}

std::string crypto_digest(const std::vector<unsigned char>& buf) {
  syncer::sha256_stream h;
  h.update(buf.data(), buf.size());
  return h.hex_digest();
}

struct openssl_sha256 {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ~openssl_sha256() { EVP_MD_CTX_free(ctx); }
  void digest(const std::vector<unsigned char>& buf) {
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx, buf.data(), buf.size());
    EVP_DigestFinal_ex(ctx, out, &len);
  }
};

void BM_Sha256_Crypto(benchmark::State& state) {
  auto buf = make_buffer(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crypto_digest(buf));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Sha256_OpenSSL(benchmark::State& state) {
  auto buf = make_buffer(static_cast<size_t>(state.range(0)));
  openssl_sha256 ossl;
  for (auto _ : state) {
    ossl.digest(buf);
    benchmark::DoNotOptimize(ossl.out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// Both hashes per iteration; bytes/s counts both passes.
void BM_Sha256_Ratio(benchmark::State& state) {
  using clock = std::chrono::steady_clock;
  auto buf = make_buffer(static_cast<size_t>(state.range(0)));
  openssl_sha256 ossl;
  clock::duration crypto_time{}, openssl_time{};
  for (auto _ : state) {
    auto t0 = clock::now();
    benchmark::DoNotOptimize(crypto_digest(buf));
    auto t1 = clock::now();
    ossl.digest(buf);
    benchmark::DoNotOptimize(ossl.out);
    auto t2 = clock::now();
    crypto_time += t1 - t0;
    openssl_time += t2 - t1;
  }
  state.SetBytesProcessed(2 * static_cast<int64_t>(state.iterations()) * state.range(0));
  if (crypto_time.count() > 0)
    state.counters["crypto_over_openssl"] =
        static_cast<double>(openssl_time.count()) / static_cast<double>(crypto_time.count());
}

}  // namespace

BENCHMARK(BM_Sha256_Crypto)->Arg(4 << 10)->Arg(1 << 20);
BENCHMARK(BM_Sha256_OpenSSL)->Arg(4 << 10)->Arg(1 << 20);
BENCHMARK(BM_Sha256_Ratio)->Arg(4 << 10)->Arg(1 << 20);
