#include "core/facts/builtin.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <netdb.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/facts/network.hpp"
#include "core/log/log.hpp"

namespace drover::facts {
namespace {

[[noreturn]] void failErrno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// The resolver's canonical name when it is fully qualified, else the name as given.
std::string canonicalName(const std::string& host) {
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return host;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, ::freeaddrinfo);
  std::string canonical = found->ai_canonname != nullptr ? found->ai_canonname : "";
  return canonical.find('.') != std::string::npos ? canonical : host;
}

void resolveNames(Json& facts) {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) failErrno("gethostname");
  std::string host = name;
  std::string fqdn = canonicalName(host);
  facts["hostname"] = host.substr(0, host.find('.'));
  facts["fqdn"] = fqdn;
  if (auto dot = fqdn.find('.'); dot != std::string::npos) facts["domain"] = fqdn.substr(dot + 1);
}

void resolveKernel(Json& facts) {
  utsname info{};
  if (::uname(&info) != 0) failErrno("uname");
  facts["kernel"] = info.sysname;
  facts["kernelrelease"] = info.release;
  facts["architecture"] = info.machine;
}

void resolveOs(Json& facts) {
  for (const char* file : {"/etc/os-release", "/usr/lib/os-release"}) {
    std::ifstream in(file);
    if (!in) continue;
    std::ostringstream text;
    text << in.rdbuf();
    facts["os"] = parseOsRelease(text.str());
    return;
  }
  throw std::runtime_error("neither /etc/os-release nor /usr/lib/os-release is readable");
}

void resolveProcessors(Json& facts) {
  long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (online < 1) failErrno("sysconf(_SC_NPROCESSORS_ONLN)");
  facts["processorcount"] = online;
}

// /proc/meminfo's MemTotal (kB) when readable, else the page count from sysconf.
void resolveMemory(Json& facts) {
  std::ifstream in("/proc/meminfo");
  for (std::string label; in >> label;) {
    long long kib = 0;
    if (label == "MemTotal:" && in >> kib) {
      facts["memorysize_mb"] = kib / 1024;
      return;
    }
    in.ignore(4096, '\n');
  }
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long pageSize = ::sysconf(_SC_PAGESIZE);
  if (pages < 1 || pageSize < 1)
    throw std::runtime_error("no MemTotal in /proc/meminfo and no page count");
  facts["memorysize_mb"] = static_cast<long long>(pages) * pageSize / (1024 * 1024);
}

void resolveUptime(Json& facts) {
  std::ifstream in("/proc/uptime");
  double seconds = 0;
  if (in >> seconds) {
    facts["uptime_seconds"] = static_cast<std::int64_t>(seconds);
    return;
  }
  struct sysinfo info {};
  if (::sysinfo(&info) != 0) failErrno("sysinfo");
  facts["uptime_seconds"] = static_cast<std::int64_t>(info.uptime);
}

// os-release values may be quoted, with backslash escapes inside double quotes.
std::string unquote(std::string value) {
  if (value.size() < 2 || (value.front() != '"' && value.front() != '\'') ||
      value.back() != value.front()) {
    return value;
  }
  bool escapes = value.front() == '"';
  std::string out;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    if (escapes && value[i] == '\\' && i + 2 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

std::map<std::string, std::string> osReleaseFields(std::string_view text) {
  std::map<std::string, std::string> fields;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    auto equals = line.find('=');
    if (line.empty() || line.front() == '#' || equals == std::string::npos) continue;
    fields[line.substr(0, equals)] = unquote(line.substr(equals + 1));
  }
  return fields;
}

// Facter's spelling of the well-known distributions; others get their ID capitalized.
std::string osName(const std::string& id) {
  static const std::map<std::string, std::string> kNames{
      {"debian", "Debian"},       {"ubuntu", "Ubuntu"}, {"centos", "CentOS"},
      {"rhel", "RedHat"},         {"fedora", "Fedora"}, {"rocky", "Rocky"},
      {"almalinux", "AlmaLinux"}, {"amzn", "Amazon"},   {"alpine", "Alpine"},
      {"arch", "Archlinux"},      {"sles", "SLES"},     {"opensuse-leap", "OpenSuSE"}};
  if (auto known = kNames.find(id); known != kNames.end()) return known->second;
  std::string name = id;
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

// The family a distribution belongs to, from its ID and the IDs it says it is like.
std::string osFamily(const std::string& id, const std::string& like, const std::string& name) {
  std::string ids = " " + id + " " + like + " ";
  auto has = [&](const char* word) {
    return ids.find(std::string(" ") + word + " ") != std::string::npos;
  };
  if (has("debian") || has("ubuntu")) return "Debian";
  if (has("rhel") || has("fedora") || has("centos")) return "RedHat";
  if (has("suse") || has("sles") || has("opensuse")) return "Suse";
  return name;
}

}  // namespace

Json parseOsRelease(std::string_view text) {
  auto fields = osReleaseFields(text);
  Json os = Json::object();
  std::string id = fields.count("ID") != 0 ? fields["ID"] : "linux";
  os["name"] = osName(id);
  os["family"] = osFamily(id, fields["ID_LIKE"], os["name"].get<std::string>());
  if (!fields["VERSION_ID"].empty()) os["release"] = fields["VERSION_ID"];
  std::string codename =
      fields["VERSION_CODENAME"].empty() ? fields["UBUNTU_CODENAME"] : fields["VERSION_CODENAME"];
  if (!codename.empty()) os["codename"] = codename;
  return os;
}

const std::vector<FactSource>& builtinSources() {
  static const std::vector<FactSource> kSources{
      {"names", resolveNames},     {"kernel", resolveKernel},         {"os", resolveOs},
      {"network", resolveNetwork}, {"processors", resolveProcessors}, {"memory", resolveMemory},
      {"uptime", resolveUptime}};
  return kSources;
}

Json resolveFacts(const std::vector<FactSource>& sources) {
  Json facts = Json::object();
  for (const auto& source : sources) {
    Json part = Json::object();
    try {
      source.resolve(part);
      facts.update(part);
    } catch (const std::exception& e) {
      log::get("drover.facts")
          ->warn("fact source={} failed and is skipped: {}", source.name, e.what());
    }
  }
  return facts;
}

Json builtinFacts() { return resolveFacts(builtinSources()); }

}  // namespace drover::facts
