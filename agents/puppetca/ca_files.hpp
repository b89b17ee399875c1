#pragma once
// The files of a master's CA that `puppetserver ca` does not print: a pending request
// (<cadir>/requests/<name>.pem) and a signed certificate (<cadir>/signed/<name>.pem),
// read for the public key they carry. `puppetserver ca list` prints a digest of the
// whole request; the key inside is what must match the node's before signing.
//
// The cadir is found as the CLI (puppetserver-ca 2.4, Config::Puppet) finds it: the
// `cadir` line of its --config file (sections [agent], [main], [master], [server], a
// later one winning; `key = value`, the value ending at whitespace, '{' or '#';
// $confdir and $ssldir expanded), else <ssldir>/ca when that is a real directory (the
// old place), else <confdir>/puppetserver/ca. confdir is /etc/puppet for root and
// ~/.puppet for anyone else; ssldir is the file's, else /var/lib/puppet/ssl.
#include <filesystem>
#include <optional>
#include <string>

#include "agents/puppetca/ca_listing.hpp"

namespace drover::agents::puppetca {

/// The cadir `puppetserver ca --config <puppetConf>` uses. Throws std::runtime_error
/// naming the file when it cannot be read, or FILE:LINE for a value it cannot expand.
std::filesystem::path caDirectory(const std::filesystem::path& puppetConf);

/// The key fingerprint (agents/puppet/key_fingerprint.hpp) of what the CA under
/// `cadir` holds for `entry`: its pending request or its signed certificate.
/// std::nullopt when there is no such file (gone since it was listed, or another
/// cadir). Throws std::runtime_error naming the file when it does not parse, or when
/// it is not the one the CA listed (its SHA-256 is not entry.fingerprint).
std::optional<std::string> storedKeyFingerprint(const std::filesystem::path& cadir,
                                                const CertEntry& entry);

}  // namespace drover::agents::puppetca
