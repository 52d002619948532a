#include "crypto/digest.h"

#include <openssl/evp.h>

#include "common/assert.h"

namespace loyal::crypto {

namespace {
// Fetching the algorithm once avoids OpenSSL 3's per-call implicit fetch, which costs more than
// hashing a small message. The fetched object is immutable and shared by all threads.
const EVP_MD* sha256_algorithm() {
  static const EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  LOYAL_ASSERT(algorithm != nullptr, "OpenSSL has no SHA-256");
  return algorithm;
}
}  // namespace

struct Sha256::Context {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  context_->ctx = EVP_MD_CTX_new();
  LOYAL_ASSERT(context_->ctx != nullptr, "out of memory creating a SHA-256 context");
  LOYAL_ASSERT(EVP_DigestInit_ex(context_->ctx, sha256_algorithm(), nullptr) == 1, "SHA-256 init failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(context_->ctx); }

Sha256& Sha256::update(ByteView data) {
  LOYAL_ASSERT(EVP_DigestUpdate(context_->ctx, data.data(), data.size()) == 1, "SHA-256 update failed");
  return *this;
}

Digest Sha256::finish() {
  Digest digest;
  unsigned int length = 0;
  LOYAL_ASSERT(EVP_DigestFinal_ex(context_->ctx, digest.bytes.data(), &length) == 1, "SHA-256 final failed");
  LOYAL_ASSERT(length == Digest::kSize, "SHA-256 produced an unexpected length");
  LOYAL_ASSERT(EVP_DigestInit_ex(context_->ctx, sha256_algorithm(), nullptr) == 1, "SHA-256 init failed");
  return digest;
}

Digest sha256(ByteView data) {
  Digest digest;
  unsigned int length = 0;
  LOYAL_ASSERT(EVP_Digest(data.data(), data.size(), digest.bytes.data(), &length, sha256_algorithm(), nullptr) == 1,
               "SHA-256 failed");
  LOYAL_ASSERT(length == Digest::kSize, "SHA-256 produced an unexpected length");
  return digest;
}

}  // namespace loyal::crypto
