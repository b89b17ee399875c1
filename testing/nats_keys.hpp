#pragma once
// NATS's own credentials, made the way its tools make them, so the tests can run a real
// nats-server that asks for an NKEY or, in operator mode, for a user JWT (.creds file):
//
//   NKEY: an Ed25519 key pair, written as base32 of a type prefix, the key and a CRC-16
//   (public "U...", "A...", "O..."; seed "SU...", "SA...", "SO...").
//   JWT:  base64url header "ed25519-nkey", claims, and the issuer's signature over both.
//
// Test support only: nothing of it runs in Drover's programs (nats.c reads these).
#include <string>

#include "core/util/json.hpp"

namespace drover::testing {

enum class NatsKeyKind { Operator, Account, User };

struct NatsKey {
  NatsKeyKind kind = NatsKeyKind::User;
  std::string seed;       // "SU..." for a user: what a .creds file or nkey seed file holds
  std::string publicKey;  // "U..." for a user: what the server's config names
  std::string secret;     // libsodium's 64-byte secret key, to sign with
};

/// A fresh key pair of `kind`, from libsodium's random bytes.
NatsKey makeNatsKey(NatsKeyKind kind);

/// A JWT of `claims` (its nats.type says what it is) for `subject`, signed by `issuer`;
/// iat, iss, sub and jti are filled in.
std::string natsJwt(const NatsKey& issuer, const std::string& subject, Json claims);

/// Operator mode: an operator, one account under it and one user of that account.
struct NatsOperatorMode {
  NatsKey operatorKey, accountKey, userKey;
  std::string operatorJwt, accountJwt, userJwt;

  NatsOperatorMode();
  /// nats-server configuration: the operator, and the account preloaded in memory.
  std::string serverConfig() const;
  /// The user's .creds file text (JWT and seed), as `nsc` writes it.
  std::string userCreds() const;
};

}  // namespace drover::testing
