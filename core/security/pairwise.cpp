#include "core/security/pairwise.hpp"

#include <openssl/bn.h>
#include <sodium.h>

#include <memory>
#include <stdexcept>
#include <utility>

namespace drover::security {
namespace {

const unsigned char* bytesOf(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

constexpr std::string_view kLabel = "drover pairwise MAC key v1";

using Bytes32 = std::array<unsigned char, 32>;

// The Montgomery u of an Ed25519 public key: u = (1 + y) / (1 - y) mod p, p = 2^255 - 19,
// y being the key's little-endian bytes without the top bit (x's sign, which u does not
// depend on). libsodium's own conversion also proves the point is in the prime-order
// subgroup, a full scalar multiplication (~50 µs, more than the X25519 itself) that
// X25519 does not need: its clamped scalar is a multiple of the cofactor, so a small-order
// component adds nothing, and a small-order point gives the all-zero result refused after.
std::optional<Bytes32> montgomeryU(std::string_view edPublic) {
  if (edPublic.size() != 32) return std::nullopt;
  Bytes32 bigEndian{};
  for (std::size_t i = 0; i < 32; ++i) bigEndian[i] = bytesOf(edPublic)[31 - i];
  bigEndian[0] &= 0x7f;
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  if (!ctx) return std::nullopt;
  BN_CTX_start(ctx.get());
  BIGNUM* p = BN_CTX_get(ctx.get());
  BIGNUM* y = BN_CTX_get(ctx.get());
  BIGNUM* num = BN_CTX_get(ctx.get());
  BIGNUM* den = BN_CTX_get(ctx.get());
  std::optional<Bytes32> u;
  Bytes32 out{};
  // y must be canonical (below p) and not 1 (the neutral element: 1 - y has no inverse).
  if (den != nullptr && BN_set_word(p, 1) && BN_lshift(p, p, 255) && BN_sub_word(p, 19) &&
      BN_bin2bn(bigEndian.data(), 32, y) != nullptr && BN_cmp(y, p) < 0 && !BN_is_one(y) &&
      BN_add(num, y, BN_value_one()) && BN_sub(den, p, y) && BN_add_word(den, 1) &&
      BN_mod_inverse(den, den, p, ctx.get()) != nullptr &&
      BN_mod_mul(num, num, den, p, ctx.get()) && BN_bn2lebinpad(num, out.data(), 32) == 32) {
    u = out;
  }
  BN_CTX_end(ctx.get());
  return u;
}

}  // namespace

PairwiseKeys::PairwiseKeys(const std::array<unsigned char, 64>& ed25519Secret, std::size_t capacity)
    : ownPublic_(reinterpret_cast<const char*>(ed25519Secret.data()) + 32, 32), keys_(capacity) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not initialise");
  if (crypto_sign_ed25519_sk_to_curve25519(xSecret_.data(), ed25519Secret.data()) != 0) {
    throw std::invalid_argument("the signing key has no X25519 form");
  }
}

PairwiseKeys::~PairwiseKeys() {
  sodium_memzero(xSecret_.data(), xSecret_.size());
  keys_.forEach([](Key& key) { sodium_memzero(key.data(), key.size()); });
}

std::optional<PairwiseKeys::Key> PairwiseKeys::derive(std::string_view peerPublicKey) const {
  std::optional<Bytes32> peerX = montgomeryU(peerPublicKey);
  if (!peerX) return std::nullopt;
  Bytes32 shared{};
  // Fails on an all-zero result, which a peer key of small order would give.
  if (crypto_scalarmult(shared.data(), xSecret_.data(), peerX->data()) != 0) return std::nullopt;
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
  const std::string peer(peerPublicKey);
  {
    std::lock_guard lock(mutex_);
    if (const Key* known = keys_.find(peer)) return *known;
  }
  // Derived outside the lock: the X25519 step is the slow part, and threads checking
  // replies from different peers should not wait on each other for it.
  std::optional<Key> key = derive(peerPublicKey);
  if (!key) return std::nullopt;
  std::lock_guard lock(mutex_);
  keys_.put(peer, *key, [](Key& oldest) { sodium_memzero(oldest.data(), oldest.size()); });
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

PeerKeys::PeerKeys(std::size_t capacity) : keys_(capacity) {}

void PeerKeys::learn(const std::string& name, std::string publicKey) {
  std::lock_guard lock(mutex_);
  keys_.put(name, std::move(publicKey), [](std::string&) {});
}

std::string PeerKeys::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const std::string* key = keys_.find(name);
  return key == nullptr ? std::string() : *key;
}

std::size_t PeerKeys::size() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

}  // namespace drover::security
