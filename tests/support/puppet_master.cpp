#include "tests/support/puppet_master.hpp"

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/util/subprocess.hpp"

namespace drover::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kJar = "/usr/share/puppetserver/puppetserver.jar";
const fs::path kPackagedConf = "/etc/puppet/puppetserver";
constexpr auto kStopGrace = 60s;
constexpr std::size_t kLogTail = 30;

void writeText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string readOrEmpty(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  while (lines-- > 0 && pos > 0) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

// Each environment manages one marker on the node, so a run is visible there.
std::string sitePp(const std::string& environment, const std::string& master,
                   const fs::path& defaultMarkers) {
  return "# " + environment + " environment of test master " + master +
         "\n"
         "$drover_marker_dir = $facts['marker_dir'] ? {\n"
         "  undef   => '" +
         defaultMarkers.string() +
         "',\n"
         "  default => $facts['marker_dir'],\n"
         "}\n"
         "node default {\n"
         "  file { $drover_marker_dir: ensure => directory }\n"
         "  file { \"${drover_marker_dir}/${trusted['certname']}." +
         environment +
         ".marker\":\n"
         "    ensure  => file,\n"
         "    content => "
         "\"certname=${trusted['certname']}\\nenvironment=${server_facts['environment']}\\n"
         "master=" +
         master +
         "\\n\",\n"
         "  }\n"
         "  if $facts['fail_resource'] {\n"
         "    exec { 'drover_fail_resource': command => '/bin/false' }\n"
         "  }\n"
         "}\n";
}

}  // namespace

PuppetMaster::PuppetMaster() : PuppetMaster(Options{}) {}

PuppetMaster::PuppetMaster(Options options) : options_(std::move(options)) {
  if (!fs::exists(kJar)) {
    throw std::runtime_error("puppetserver is not installed (" + kJar.string() +
                             " missing): apt-get install puppetserver puppet-agent");
  }
  if (options_.stateDir.empty()) {
    ownDir_.emplace();
    dir_ = ownDir_->path();
  } else {
    dir_ = options_.stateDir;
  }
  if (options_.port == 0) options_.port = freePort();
  if (options_.markerDir.empty()) options_.markerDir = dir_ / "markers";
  for (const char* sub : {"conf.d", "services.d", "puppet", "ssl", "ca", "var", "log", "run"}) {
    fs::create_directories(dir_ / sub);
  }
  fs::create_directories(options_.markerDir);
  writeConfig();
  writeEnvironments();
}

PuppetMaster::~PuppetMaster() { stop(); }

void PuppetMaster::writeConfig() const {
  const std::string d = dir_.string();
  for (const char* file : {"services.d/bootstrap.cfg", "services.d/ca.cfg",
                           "conf.d/web-routes.conf", "conf.d/auth.conf"}) {
    fs::copy_file(kPackagedConf / file, dir_ / file, fs::copy_options::overwrite_existing);
  }
  writeText(dir_ / "conf.d/webserver.conf", "webserver: {\n  access-log-config: " + d +
                                                "/request-logging.xml\n"
                                                "  client-auth: want\n  ssl-host: " +
                                                options_.address +
                                                "\n  ssl-port: " + std::to_string(options_.port) +
                                                "\n  ssl-protocols: [TLSv1.2]\n}\n");
  writeText(
      dir_ / "conf.d/puppetserver.conf",
      "jruby-puppet: {\n"
      "  ruby-load-path: [/usr/lib/puppetserver/ruby/vendor_ruby]\n"
      "  gem-home: " +
          d +
          "/var/jruby-gems\n"
          "  gem-path: [${jruby-puppet.gem-home}, \"/usr/lib/puppetserver/vendored-jruby-gems\"]\n"
          "  server-conf-dir: " +
          d + "/puppet\n  server-code-dir: " + d +
          "/code\n"
          "  server-var-dir: " +
          d + "/var\n  server-run-dir: " + d +
          "/run\n"
          "  server-log-dir: " +
          d +
          "/log\n  max-active-instances: 1\n}\n"
          "http-client: {}\nprofiler: {}\n"
          "product: { check-for-updates: false }\ndropsonde: { enabled: false }\n");
  writeText(dir_ / "conf.d/global.conf", "global: { logging-config: " + d + "/logback.xml }\n");
  writeText(
      dir_ / "conf.d/metrics.conf",
      "metrics: {\n  server-id: " + options_.name +
          "\n  registries: { puppetserver: { reporters: { jmx: { enabled: false } } } }\n}\n");
  writeText(dir_ / "conf.d/ca.conf",
            "certificate-authority: {\n  allow-subject-alt-names: false\n"
            "  allow-authorization-extensions: false\n  allow-duplicate-certs: false\n}\n");
  writeText(dir_ / "logback.xml",
            "<configuration>\n  <appender name=\"F1\" class=\"ch.qos.logback.core.FileAppender\">\n"
            "    <file>" +
                d +
                "/log/puppetserver.log</file>\n    <append>true</append>\n"
                "    <encoder><pattern>%d %-5p [%c{2}] %m%n</pattern></encoder>\n  </appender>\n"
                "  <root level=\"info\"><appender-ref ref=\"F1\"/></root>\n</configuration>\n");
  writeText(dir_ / "request-logging.xml",
            "<configuration debug=\"false\">\n"
            "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">\n"
            "    <file>" +
                d +
                "/log/access.log</file>\n    <append>true</append>\n"
                "    <encoder><pattern>%h %l %u [%t] \"%r\" %s %b %D</pattern></encoder>\n"
                "  </appender>\n  <appender-ref ref=\"FILE\" />\n</configuration>\n");
  // `puppetserver ca` reads this with its own parser: one value per line, no spaces
  // inside a value, absolute paths.
  writeText(puppetConf(), "[main]\ncertname = " + options_.name + "\nserver = " + options_.address +
                              "\nserverport = " + std::to_string(options_.port) +
                              "\nssldir = " + d + "/ssl\nvardir = " + d + "/var\nlogdir = " + d +
                              "/log\nrundir = " + d + "/run\ncodedir = " + d +
                              "/code\n\n[server]\ncadir = " + d +
                              "/ca\ndns_alt_names = " + options_.name + ",IP:" + options_.address +
                              "\nautosign = false\nenvironmentpath = " + d +
                              "/code/environments\nenvironment_timeout = 0\nreports = store\n");
}

void PuppetMaster::writeEnvironments() const {
  for (const char* environment : {"bootstrap", "production"}) {
    writeText(environmentsDir() / environment / "manifests" / "site.pp",
              sitePp(environment, options_.name, options_.markerDir));
  }
}

bool PuppetMaster::answersRunning() const {
  auto result = util::runProcess(
      {"curl", "-sk", "--max-time", "5",
       "https://" + options_.address + ":" + std::to_string(options_.port) + "/status/v1/simple"},
      "", 10s);
  return result.exitCode == 0 && result.out == "running";
}

void PuppetMaster::start() {
  if (running()) return;
  writeText(dir_ / "run/restart", "0");  // no newline, or trapperkeeper calls it unparseable
  std::vector<std::string> argv{"/usr/bin/java"};
  argv.insert(argv.end(), options_.javaOptions.begin(), options_.javaOptions.end());
  argv.insert(
      argv.end(),
      {"-Djruby.logger.class=com.puppetlabs.jruby_utils.jruby.Slf4jLogger",
       "-Djruby.lib=/usr/share/jruby/lib", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
       "--add-opens", "java.base/java.io=ALL-UNNAMED", "-XX:+CrashOnOutOfMemoryError",
       "-XX:ErrorFile=" + (dir_ / "log/java_err_pid%p.log").string(), "-jar", kJar.string(),
       "--config", (dir_ / "conf.d").string(), "--bootstrap-config", (dir_ / "services.d").string(),
       "--restart-file", (dir_ / "run/restart").string()});
  auto started = std::chrono::steady_clock::now();
  process_.emplace(argv, dir_ / "log" / "console.log");
  auto deadline = started + options_.startTimeout;
  while (!answersRunning()) {
    if (!process_->running()) {
      throw std::runtime_error("puppetserver " + options_.name + " died during start-up:\n" +
                               logs());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("puppetserver " + options_.name + " not running after " +
                               std::to_string(options_.startTimeout.count()) + " s:\n" + logs());
    }
    std::this_thread::sleep_for(500ms);
  }
  startupTime_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
}

void PuppetMaster::stop() {
  if (process_) process_->stop(kStopGrace);
  process_.reset();
}

bool PuppetMaster::running() { return process_ && process_->running(); }

long PuppetMaster::rssKib() const {
  if (!process_) return 0;
  std::istringstream status(readOrEmpty("/proc/" + std::to_string(process_->pid()) + "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

std::string PuppetMaster::logs() const {
  return "--- " + (dir_ / "log/console.log").string() + "\n" +
         tail(readOrEmpty(dir_ / "log/console.log"), kLogTail) + "--- " +
         (dir_ / "log/puppetserver.log").string() + "\n" +
         tail(readOrEmpty(dir_ / "log/puppetserver.log"), kLogTail);
}

std::map<std::string, std::string> startTogether(const std::vector<PuppetMaster*>& masters) {
  std::vector<std::string> errors(masters.size());  // each thread writes its own
  std::vector<std::thread> starting;
  for (std::size_t i = 0; i < masters.size(); ++i) {
    starting.emplace_back([&error = errors[i], m = masters[i]] {
      try {
        m->start();
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
  }
  for (auto& thread : starting) thread.join();
  std::map<std::string, std::string> failed;
  for (std::size_t i = 0; i < masters.size(); ++i) {
    if (!errors[i].empty()) failed[masters[i]->name()] = errors[i];
  }
  return failed;
}

fs::path writeNodePuppetConfig(const fs::path& root,
                               const std::map<std::string, std::string>& facts,
                               const std::map<std::string, std::string>& settings) {
  const fs::path confdir = root / "etc/puppet";
  const fs::path state = root / "var/lib/puppet";
  // Puppet makes its directories but not their parents.
  for (const fs::path& parent : {state, root / "var/log", root / "run"}) {
    fs::create_directories(parent);
  }
  std::string factFile = "# facts of this test node\n";
  for (const auto& [name, value] : facts) {
    factFile += "Facter.add(:" + name + ") { setcode { '" + value + "' } }\n";
  }
  writeText(confdir / "facter/drover_test_facts.rb", factFile);
  std::string extra;
  for (const auto& [name, value] : settings) extra += name + " = " + value + "\n";
  writeText(confdir / "puppet.conf",
            "# a test node's Puppet, all state under its root\n[main]\n" + extra +
                "ssldir = " + (state / "ssl").string() + "\nvardir = " + (state / "var").string() +
                "\nlogdir = " + (root / "var/log/puppet").string() + "\nrundir = " +
                (root / "run/puppet").string() + "\ncodedir = " + (confdir / "code").string() +
                "\npublicdir = " + (state / "public").string() +
                "\nfactpath = $vardir/lib/facter:$vardir/facts:" + (confdir / "facter").string() +
                "\n");
  return confdir;
}

}  // namespace drover::testing
