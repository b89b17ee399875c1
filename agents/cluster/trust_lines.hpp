#pragma once
// What set_trust writes into the deployment's managed blocks of authorized_keys and
// ssh_known_hosts, checked before anything is written: OpenSSH public keys only (no
// options such as command=, which would change what a key may do), names that are
// host names or addresses. One bad item refuses the whole request (ActionError
// InvalidData naming it: "authorized_keys[2]: ...").
#include <cstddef>
#include <string>

#include "core/util/json.hpp"

namespace drover::agents::cluster {

inline constexpr std::size_t kMaxTrustKeys = 2000;
inline constexpr std::size_t kMaxKeyLineBytes = 16 * 1024;
inline constexpr std::size_t kMaxHostNames = 64;

/// `text` as "TYPE BASE64" (with " COMMENT" when it has one and `keepComment`): TYPE an
/// OpenSSH key type, BASE64 a key blob that names TYPE itself, COMMENT printable text.
std::string publicKeyLine(const std::string& text, const std::string& where, bool keepComment);

/// The authorized_keys block's lines: each distinct key once (a key given twice, with
/// or without a comment, is written the first time), in the order given.
std::string authorizedKeysBody(const Json& keys);

/// The ssh_known_hosts block's lines: "NAME,NAME TYPE BASE64" per entry
/// {names: [..], key}, each distinct line once.
std::string knownHostsBody(const Json& entries);

}  // namespace drover::agents::cluster
