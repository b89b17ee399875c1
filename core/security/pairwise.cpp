#include "core/security/pairwise.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

namespace drover::security {
namespace {

const unsigned char* bytesOf(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

constexpr std::string_view kLabel = "drover pairwise MAC key v1";

}  // namespace

PairwiseKeys::PairwiseKeys(const std::array<unsigned char, 64>& ed25519Secret, std::size_t capacity)
    : ownPublic_(reinterpret_cast<const char*>(ed25519Secret.data()) + 32, 32),
      capacity_(std::max<std::size_t>(1, capacity)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not initialise");
  if (crypto_sign_ed25519_sk_to_curve25519(xSecret_.data(), ed25519Secret.data()) != 0) {
    throw std::invalid_argument("the signing key has no X25519 form");
  }
}

PairwiseKeys::~PairwiseKeys() {
  sodium_memzero(xSecret_.data(), xSecret_.size());
  for (auto& [peer, key] : keys_) sodium_memzero(key.data(), key.size());
}

std::optional<PairwiseKeys::Key> PairwiseKeys::derive(std::string_view peerPublicKey) const {
  if (peerPublicKey.size() != crypto_sign_PUBLICKEYBYTES) return std::nullopt;
  std::array<unsigned char, crypto_scalarmult_BYTES> peerX{}, shared{};
  // Refuses what is not a point of the curve, and points of small order.
  if (crypto_sign_ed25519_pk_to_curve25519(peerX.data(), bytesOf(peerPublicKey)) != 0) {
    return std::nullopt;
  }
  // Fails on an all-zero result, which a peer key of small order would give.
  if (crypto_scalarmult(shared.data(), xSecret_.data(), peerX.data()) != 0) return std::nullopt;
  // Both public keys, in a fixed order, so the two ends derive the same key and a key
  // is bound to the pair it was made for.
  std::string_view low = ownPublic_, high = peerPublicKey;
  if (high < low) std::swap(low, high);
  crypto_generichash_state state;
  Key key{};
  crypto_generichash_init(&state, shared.data(), shared.size(), key.size());
  crypto_generichash_update(&state, bytesOf(kLabel), kLabel.size());
  crypto_generichash_update(&state, bytesOf(low), low.size());
  crypto_generichash_update(&state, bytesOf(high), high.size());
  crypto_generichash_final(&state, key.data(), key.size());
  sodium_memzero(shared.data(), shared.size());
  sodium_memzero(&state, sizeof state);
  return key;
}

std::optional<PairwiseKeys::Key> PairwiseKeys::with(std::string_view peerPublicKey) const {
  std::string peer(peerPublicKey);
  {
    std::lock_guard lock(mutex_);
    auto found = keys_.find(peer);
    if (found != keys_.end()) return found->second;
  }
  // Derived outside the lock: the X25519 step is the slow part, and threads checking
  // replies from different peers should not wait on each other for it.
  std::optional<Key> key = derive(peerPublicKey);
  if (!key) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (keys_.emplace(peer, *key).second) {
    order_.push_back(std::move(peer));
    while (order_.size() > capacity_) {
      auto oldest = keys_.find(order_.front());
      sodium_memzero(oldest->second.data(), oldest->second.size());
      keys_.erase(oldest);
      order_.pop_front();
    }
  }
  return key;
}

std::string PairwiseKeys::mac(std::string_view peerPublicKey, std::string_view bytes) const {
  std::optional<Key> key = with(peerPublicKey);
  if (!key) return {};
  std::string out(kMacSize, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), bytesOf(bytes),
                     bytes.size(), key->data(), key->size());
  sodium_memzero(key->data(), key->size());
  return out;
}

bool PairwiseKeys::check(std::string_view peerPublicKey, std::string_view bytes,
                         std::string_view mac) const {
  if (mac.size() != kMacSize) return false;
  std::string expected = this->mac(peerPublicKey, bytes);
  return expected.size() == kMacSize && sodium_memcmp(expected.data(), mac.data(), kMacSize) == 0;
}

std::size_t PairwiseKeys::cached() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

}  // namespace drover::security
