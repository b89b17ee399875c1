#include "agents/puppetca/ca_files.hpp"

#include <openssl/pem.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "agents/puppet/key_fingerprint.hpp"
#include "core/security/certificate.hpp"
#include "core/security/openssl_handles.hpp"
#include "core/util/files.hpp"

namespace drover::agents::puppetca {
namespace {

namespace fs = std::filesystem;
using namespace drover::security;

struct Setting {
  std::string value;
  int line = 0;
};

// The CLI's own ini reading: one `word = value` per line, sections by name.
std::map<std::string, std::map<std::string, Setting>> readSections(const std::string& text) {
  static const std::regex section(R"(^\s*\[(\w+)\].*)");
  static const std::regex setting(R"(^\s*(\w+)\s*=\s*([^\s{#]+).*$)");
  std::map<std::string, std::map<std::string, Setting>> sections;
  std::string current = "main";
  std::istringstream lines(text);
  std::smatch match;
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (std::regex_match(line, match, section)) {
      current = match[1];
    } else if (std::regex_match(line, match, setting)) {
      sections[current][match[1]] = {match[2], number};
    }
  }
  return sections;
}

std::optional<Setting> merged(const std::map<std::string, std::map<std::string, Setting>>& sections,
                              const std::string& key) {
  std::optional<Setting> found;
  for (const char* name : {"agent", "main", "master", "server"}) {
    auto section = sections.find(name);
    if (section == sections.end()) continue;
    if (auto it = section->second.find(key); it != section->second.end()) found = it->second;
  }
  return found;
}

std::string confdir() {
  if (::geteuid() == 0) return "/etc/puppet";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.puppet";
}

// $confdir and $ssldir, the settings a cadir can sensibly be built from.
std::string expand(const fs::path& file, const Setting& setting, const std::string& ssldir) {
  static const std::regex variable(R"(\$([a-z_]+))");
  std::string out;
  std::smatch match;
  std::string rest = setting.value;
  while (std::regex_search(rest, match, variable)) {
    std::string name = match[1];
    if (name != "confdir" && name != "ssldir") {
      throw std::runtime_error(file.string() + ":" + std::to_string(setting.line) + ": cadir: $" +
                               name + " cannot be expanded here (only $confdir and $ssldir)");
    }
    out += match.prefix().str() + (name == "confdir" ? confdir() : ssldir);
    rest = match.suffix();
  }
  return out + rest;
}

bool realDirectory(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && !fs::is_symlink(path, ec);
}

std::string derOf(X509_REQ* request) {
  unsigned char* buffer = nullptr;
  int size = i2d_X509_REQ(request, &buffer);
  checkOpenSsl(size > 0, "encoding a certificate request");
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(size));
  OPENSSL_free(buffer);
  return der;
}

// {SHA-256 of the file's DER, its key fingerprint}; throws naming the file.
std::pair<std::string, std::string> readStored(const fs::path& file, bool request) {
  std::string pem = util::readFile(file);
  clearOpenSslErrors();
  BioPtr bio = memoryBio(pem);
  if (request) {
    X509ReqPtr csr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    if (!csr) throw std::runtime_error(file.string() + " is not a PEM certificate request");
    return {puppet::puppetFingerprint(derOf(csr.get())), puppet::requestKeyFingerprint(csr.get())};
  }
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw std::runtime_error(file.string() + " is not a PEM certificate");
  return {puppet::puppetFingerprint(certificateToDer(cert.get())),
          puppet::certificateKeyFingerprint(cert.get())};
}

}  // namespace

fs::path caDirectory(const fs::path& puppetConf) {
  auto sections = readSections(util::readFile(puppetConf));
  auto ssl = merged(sections, "ssldir");
  const std::string systemSsldir = "/var/lib/puppet/ssl";
  std::string ssldir = ssl ? expand(puppetConf, *ssl, systemSsldir) : systemSsldir;
  if (auto cadir = merged(sections, "cadir")) return expand(puppetConf, *cadir, ssldir);
  if (realDirectory(fs::path(ssldir) / "ca")) return fs::path(ssldir) / "ca";
  return fs::path(confdir()) / "puppetserver" / "ca";
}

std::optional<std::string> storedKeyFingerprint(const fs::path& cadir, const CertEntry& entry) {
  const bool request = entry.state == "requested";
  if (!request && entry.state != "signed") return std::nullopt;
  fs::path file = cadir / (request ? "requests" : "signed") / (entry.name + ".pem");
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  auto [digest, key] = readStored(file, request);
  if (!entry.fingerprint.empty() && digest != entry.fingerprint) {
    throw std::runtime_error(file.string() + " is not the " + entry.state +
                             " entry the CA lists for " + entry.name + " (SHA-256 " + digest +
                             ", listed " + entry.fingerprint + ")");
  }
  return key;
}

}  // namespace drover::agents::puppetca
