#include "replica/runtime/verification_cache.h"

#include <utility>

#include "common/assert.h"

namespace loyal::runtime {
namespace {

// The exact bytes a valid result depends on: who signed (its key is fixed by the cluster file),
// the signature and the message.
std::string cache_key(NodeId signer, ByteView message, const crypto::Signature& signature) {
  std::string key;
  key.reserve(5 + crypto::Signature::kSize + message.size());
  key.push_back(static_cast<char>(signer.role));
  for (int shift = 0; shift < 32; shift += 8) key.push_back(static_cast<char>((signer.index >> shift) & 0xff));
  key.append(reinterpret_cast<const char*>(signature.bytes.data()), signature.bytes.size());
  key.append(reinterpret_cast<const char*>(message.data()), message.size());
  return key;
}

}  // namespace

CachingVerifier::CachingVerifier(std::unique_ptr<crypto::Verifier> inner, std::size_t capacity)
    : inner_(std::move(inner)), generation_capacity_(capacity / 2) {
  LOYAL_ASSERT(inner_ != nullptr && generation_capacity_ > 0, "a cache holds something in front of a verifier");
}

bool CachingVerifier::verify(NodeId signer, ByteView message, const crypto::Signature& signature) const {
  std::string key = cache_key(signer, message, signature);
  {
    std::lock_guard lock(mutex_);
    if (newer_.contains(key)) {
      ++counters_.hits;
      return true;
    }
    if (auto found = older_.find(key); found != older_.end()) {
      ++counters_.hits;
      newer_.insert(older_.extract(found));
      if (newer_.size() >= generation_capacity_) older_ = std::exchange(newer_, {});
      return true;
    }
    ++counters_.checks;
  }
  if (!inner_->verify(signer, message, signature)) return false;
  std::lock_guard lock(mutex_);
  newer_.insert(std::move(key));
  if (newer_.size() >= generation_capacity_) older_ = std::exchange(newer_, {});
  return true;
}

CachingVerifier::Counters CachingVerifier::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace loyal::runtime
