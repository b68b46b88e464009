// SHA-256 of the hasher (Crypto++) next to OpenSSL's EVP SHA-256 on the
// same buffer, so the ratio is measured in one binary and one run.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "storage/sha256.h"

namespace {

std::vector<unsigned char> make_buffer(size_t n) {
  std::vector<unsigned char> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(i * 2654435761u >> 13);
  return b;
}

void BM_Sha256_CryptoPP(benchmark::State& state) {
  auto buf = make_buffer(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    syncer::sha256_stream h;
    h.update(buf.data(), buf.size());
    benchmark::DoNotOptimize(h.hex_digest());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Sha256_OpenSSL(benchmark::State& state) {
  auto buf = make_buffer(static_cast<size_t>(state.range(0)));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  for (auto _ : state) {
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx, buf.data(), buf.size());
    EVP_DigestFinal_ex(ctx, out, &len);
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

}  // namespace

BENCHMARK(BM_Sha256_CryptoPP)->Arg(4 << 10)->Arg(1 << 20);
BENCHMARK(BM_Sha256_OpenSSL)->Arg(4 << 10)->Arg(1 << 20);
