#include "agents/puppet/puppet_command.hpp"

#include <stdexcept>
#include <tuple>

#include <pwd.h>
#include <unistd.h>

namespace drover::agents::puppet {
namespace {

using namespace std::chrono_literals;

constexpr auto kConfigPrintTimeout = 60s;
constexpr std::size_t kTellingMax = 400;
const std::vector<std::string> kSettings{
    "lastrunfile", "lastrunreport", "agent_disabled_lockfile", "agent_catalog_run_lockfile",
    "ssldir", "certname", "confdir", "environmentpath",
    // what `puppet ssl clean` removes (sslCleanFiles)
    "hostprivkey", "hostpubkey", "hostcsr", "hostcert", "passfile", "localcacert", "hostcrl",
    "privatekeydir", "publickeydir", "requestdir", "certdir", "privatedir", "ca_server"};

std::string homeDirectory() {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found &&
      found->pw_dir) {
    return found->pw_dir;
  }
  return "/";
}

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

// In this sandbox (and some containers) every facter run logs permission errors on
// /proc/1/environ; they say nothing about the run.
bool isNoise(std::string_view line) { return line.find("Facter: ") != std::string_view::npos; }

std::string clip(std::string text) {
  if (text.size() > kTellingMax) text = text.substr(0, kTellingMax - 3) + "...";
  return text;
}

std::optional<std::string> firstError(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(std::string_view(text).substr(pos, end - pos));
    if (line.rfind("Error: ", 0) == 0 && !isNoise(line)) return line;
    pos = end + 1;
  }
  return std::nullopt;
}

std::string lastLine(const std::string& text) {
  std::string last;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(std::string_view(text).substr(pos, end - pos));
    if (!line.empty() && !isNoise(line)) last = line;
    pos = end + 1;
  }
  return last;
}

}  // namespace

std::vector<std::string> puppetEnvironment() {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
          "HOME=" + homeDirectory()};
}

std::vector<std::string> puppetArgv(const PuppetInvocation& puppet,
                                    const std::vector<std::string>& words,
                                    const std::vector<std::string>& args) {
  std::vector<std::string> argv{puppet.program};
  argv.insert(argv.end(), words.begin(), words.end());
  if (!puppet.confdir.empty()) {
    argv.push_back("--confdir");
    argv.push_back(puppet.confdir.string());
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

util::SubprocessResult runPuppet(const PuppetInvocation& puppet,
                                 const std::vector<std::string>& words,
                                 const std::vector<std::string>& args,
                                 std::chrono::milliseconds timeout) {
  util::SubprocessOptions options;
  options.environment = puppetEnvironment();
  options.workingDir = "/";
  options.killGrace = 5s;  // let Puppet release its run lock on SIGTERM
  return util::runProcess(puppetArgv(puppet, words, args), "", timeout, options);
}

std::map<std::string, std::string> parseConfigPrint(std::string_view text) {
  std::map<std::string, std::string> values;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    std::size_t eq = line.find(" = ");
    if (eq != std::string_view::npos) values[trim(line.substr(0, eq))] = trim(line.substr(eq + 3));
    pos = end + 1;
  }
  return values;
}

std::string tellingLine(const util::SubprocessResult& result) {
  if (auto line = firstError(result.out)) return clip(*line);
  if (auto line = firstError(result.err)) return clip(*line);
  std::string last = lastLine(result.err);
  return clip(last.empty() ? lastLine(result.out) : last);
}

PuppetSettings::PuppetSettings(PuppetInvocation puppet) : puppet_(std::move(puppet)) {}

std::optional<std::vector<std::filesystem::path>> sslCleanFiles(
    const std::map<std::string, std::string>& settings, const std::string& certname) {
  auto setting = [&](const char* name) -> std::optional<std::string> {
    auto it = settings.find(name);
    if (it == settings.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  auto own = setting("certname");
  auto caServer = setting("ca_server");
  if (!own || certname.empty() || (caServer && *caServer == certname)) return std::nullopt;
  const std::pair<const char*, const char*> kHostFiles[] = {{"hostprivkey", "privatekeydir"},
                                                            {"hostpubkey", "publickeydir"},
                                                            {"hostcsr", "requestdir"},
                                                            {"hostcert", "certdir"}};
  // Shared by every certname, with their default names.
  const std::tuple<const char*, const char*, const char*> kShared[] = {
      {"passfile", "privatedir", "password"},
      {"localcacert", "certdir", "ca.pem"},
      {"hostcrl", "ssldir", "crl.pem"}};
  std::vector<std::filesystem::path> files;
  if (certname == *own) {  // what Puppet printed is for this very certname
    for (const char* file : {"hostprivkey", "hostpubkey", "hostcsr", "hostcert", "passfile",
                             "localcacert", "hostcrl"}) {
      auto path = setting(file);
      if (!path) return std::nullopt;
      files.emplace_back(*path);
    }
    return files;
  }
  // Another certname: every file where Puppet's default layout puts it, in directories
  // that do not name Puppet's own certname (as $certname in puppet.conf would); anything
  // else only Puppet can tell.
  auto directory = [&](const char* name) -> std::optional<std::string> {
    auto dir = setting(name);
    if (!dir || dir->find(*own) != std::string::npos) return std::nullopt;
    return dir;
  };
  for (auto [file, dir] : kHostFiles) {
    auto path = setting(file);
    auto in = directory(dir);
    if (!path || !in || *path != *in + "/" + *own + ".pem") return std::nullopt;
    files.push_back(std::filesystem::path(*in) / (certname + ".pem"));
  }
  for (auto [file, dir, name] : kShared) {
    auto path = setting(file);
    auto in = directory(dir);
    if (!path || !in || *path != *in + "/" + name) return std::nullopt;
    files.emplace_back(*path);
  }
  return files;
}

const std::map<std::string, std::string>& PuppetSettings::all() {
  std::lock_guard lock(mutex_);
  load("certname");
  return *values_;
}

std::string PuppetSettings::get(const std::string& name) {
  std::lock_guard lock(mutex_);
  load(name);
  auto it = values_->find(name);
  if (it == values_->end()) throw std::runtime_error("Puppet setting " + name + " is not cached");
  return it->second;
}

void PuppetSettings::load(const std::string& name) {
  if (!values_) {
    std::vector<std::string> args = kSettings;
    args.insert(args.end(), {"--section", "agent"});
    auto result = runPuppet(puppet_, {"config", "print"}, args, kConfigPrintTimeout);
    auto values = parseConfigPrint(result.out);
    if (result.exitCode != 0 || !values.count(name)) {
      std::string command;
      for (const auto& word : puppetArgv(puppet_, {"config", "print"})) command += word + " ";
      throw std::runtime_error("`" + command + "` did not report Puppet's settings (exit " +
                               std::to_string(result.exitCode) + "): " + tellingLine(result));
    }
    values_ = std::move(values);
  }
}

}  // namespace drover::agents::puppet
