#include "tests/support/notify_servers.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"

namespace drover::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr const char* kPython = "/usr/bin/python3";
constexpr milliseconds kStartTimeout{20'000};

fs::path helper(const std::string& name) {
  return fs::path(DROVER_SOURCE_DIR) / "tests" / "integration" / "notifiers" / name;
}

// Runs a setup command to completion; throws with its output when it fails.
void runOrThrow(const std::vector<std::string>& argv) {
  util::SubprocessOptions opts;
  opts.environment = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/tmp"};
  auto result = util::runProcess(argv, "", std::chrono::seconds(60), opts);
  if (result.exitCode != 0) {
    throw std::runtime_error(argv[0] + " failed (" + std::to_string(result.exitCode) +
                             "): " + result.err + result.out);
  }
}

// Files named N.json in `dir`, parsed, in numeric order.
std::vector<std::pair<int, Json>> numberedJson(const fs::path& dir) {
  std::vector<std::pair<int, Json>> out;
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    out.emplace_back(std::stoi(entry.path().stem().string()),
                     Json::parse(util::readFile(entry.path())));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

void waitForPort(int port, Process& process, const std::string& what) {
  if (waitFor([&] { return portOpen(port) || !process.running(); }, kStartTimeout) &&
      process.running()) {
    return;
  }
  throw std::runtime_error(what + " did not come up on 127.0.0.1:" + std::to_string(port) + ":\n" +
                           process.log());
}

}  // namespace

bool portOpen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return open;
}

std::pair<fs::path, fs::path> makeSelfSignedCert(const fs::path& dir, const std::string& name,
                                                 const std::string& san) {
  fs::create_directories(dir);
  fs::path cert = dir / (name + ".crt");
  fs::path key = dir / (name + ".key");
  runOrThrow({"/usr/bin/openssl",
              "req",
              "-x509",
              "-newkey",
              "rsa:2048",
              "-nodes",
              "-sha256",
              "-days",
              "2",
              "-keyout",
              key.string(),
              "-out",
              cert.string(),
              "-subj",
              "/CN=" + name,
              "-addext",
              "subjectAltName=" + san,
              "-addext",
              "basicConstraints=critical,CA:TRUE",
              "-addext",
              "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
              "-addext",
              "extendedKeyUsage=serverAuth"});
  return {cert, key};
}

// --- Prosody --------------------------------------------------------------------------

ProsodyServer::ProsodyServer(const fs::path& dir, std::vector<Account> accounts, std::string domain,
                             int roomHistory)
    : dir_(dir), domain_(std::move(domain)), port_(freePort()) {
  fs::create_directories(dir_ / "data");
  auto [cert, key] =
      makeSelfSignedCert(dir_ / "certs", domain_,
                         "DNS:" + domain_ + ",DNS:*." + domain_ + ",DNS:localhost,IP:127.0.0.1");
  cert_ = cert;
  config_ = dir_ / "prosody.cfg.lua";
  std::ofstream(config_)
      << "-- Prosody for the notify tests and the demo: loopback only, fresh data.\n"
      << (::geteuid() == 0 ? "run_as_root = true\n" : "") << "daemonize = false\n"
      << "data_path = \"" << (dir_ / "data").string() << "\"\n"
      << "certificates = \"" << (dir_ / "certs").string() << "\"\n"
      << "interfaces = { \"127.0.0.1\" }\n"
      << "c2s_ports = { " << port_ << " }\n"
      << "c2s_direct_tls_ports = { }\n"
      << "modules_enabled = { \"roster\"; \"saslauth\"; \"tls\"; \"disco\"; \"ping\"; \"posix\" }\n"
      << "modules_disabled = { \"s2s\"; \"s2s_auth_certs\" }\n"
      << "authentication = \"internal_hashed\"\n"
      << "storage = \"internal\"\n"
      << "allow_registration = false\n"
      << "c2s_require_encryption = true\n"
      << "ssl = { certificate = \"" << cert.string() << "\"; key = \"" << key.string() << "\"; }\n"
      << "log = { info = \"" << (dir_ / "prosody.log").string() << "\" }\n"
      << "VirtualHost \"" << domain_ << "\"\n"
      << "Component \"conference." << domain_ << "\" \"muc\"\n"
      << "  restrict_room_creation = false\n"
      << "  muc_room_locking = false\n"
      << "  muc_room_default_history_length = " << roomHistory << "\n"
      << "  muc_room_default_persistent = " << (roomHistory > 0 ? "true" : "false") << "\n";
  for (const auto& account : accounts) {
    runOrThrow({"/usr/bin/prosodyctl", "--config", config_.string(), "register", account.user,
                domain_, account.password});
  }
  start();
}

void ProsodyServer::start() {
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/prosody", "--config", config_.string(), "-F"},
      dir_ / "prosody.out");
  waitForPort(port_, *process_, "prosody");
}

void ProsodyServer::restart() {
  process_->stop();
  process_.reset();
  start();
}

std::string ProsodyServer::log() const {
  std::ifstream in(dir_ / "prosody.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// --- slixmpp receiver -------------------------------------------------------------------

XmppReceiver::XmppReceiver(const fs::path& dir, const ProsodyServer& server, const std::string& jid,
                           const std::string& password, const std::string& room,
                           const std::string& nick)
    : out_(dir / "received.jsonl"), ready_(dir / "receiver.ready") {
  fs::create_directories(dir);
  fs::remove(ready_);
  std::vector<std::string> argv{kPython,      helper("xmpp_receiver.py").string(),
                                "--port",     std::to_string(server.port()),
                                "--jid",      jid,
                                "--password", password,
                                "--out",      out_.string(),
                                "--ready",    ready_.string(),
                                "--ca-file",  server.caFile().string()};
  if (!room.empty()) {
    argv.insert(argv.end(), {"--room", room, "--nick", nick});
  }
  process_ = std::make_unique<Process>(argv, dir / "receiver.log");
}

bool XmppReceiver::waitReady(milliseconds timeout) {
  return testing::waitFor([&] { return fs::exists(ready_) || !process_->running(); }, timeout) &&
         fs::exists(ready_);
}

std::vector<Json> XmppReceiver::messages() const {
  std::vector<Json> out;
  std::ifstream in(out_);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

std::vector<Json> XmppReceiver::waitFor(std::size_t count, milliseconds timeout) const {
  testing::waitFor([&] { return messages().size() >= count; }, timeout);
  return messages();
}

// --- SMTP sink --------------------------------------------------------------------------

SmtpSink::SmtpSink(const fs::path& dir, Options options)
    : maildir_(dir / "maildir"), port_(freePort()) {
  fs::create_directories(dir);
  std::vector<std::string> argv{kPython,     helper("smtp_sink.py").string(),
                                "--port",    std::to_string(port_),
                                "--maildir", maildir_.string()};
  if (options.starttls) {
    auto [cert, key] =
        makeSelfSignedCert(dir / "certs", "sink.test", "DNS:sink.test,DNS:localhost,IP:127.0.0.1");
    cert_ = cert;
    argv.insert(argv.end(), {"--cert", cert.string(), "--key", key.string()});
  }
  if (!options.auth.empty()) argv.insert(argv.end(), {"--auth", options.auth});
  process_ = std::make_unique<Process>(argv, dir / "smtp-sink.log");
  waitForPort(port_, *process_, "the SMTP sink");
}

std::vector<SmtpSink::Mail> SmtpSink::mails() const {
  std::vector<Mail> out;
  for (auto& [number, envelope] : numberedJson(maildir_)) {
    out.push_back(Mail{envelope, util::readFile(maildir_ / (std::to_string(number) + ".eml"))});
  }
  return out;
}

std::vector<SmtpSink::Mail> SmtpSink::waitFor(std::size_t count, milliseconds timeout) const {
  testing::waitFor([&] { return mails().size() >= count; }, timeout);
  return mails();
}

// --- webhook sink -----------------------------------------------------------------------

WebhookSink::WebhookSink(const fs::path& dir, Options options)
    : outdir_(dir / "requests"), port_(freePort()) {
  fs::create_directories(dir);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{kPython, helper("webhook_sink.py").string(), "--port",
                               std::to_string(port_), "--outdir", outdir_.string(), "--key",
                               options.key, "--status", std::to_string(options.status),
                               "--fail-first", std::to_string(options.failFirst)},
      dir / "webhook-sink.log");
  waitForPort(port_, *process_, "the webhook sink");
}

std::vector<Json> WebhookSink::requests() const {
  std::vector<Json> out;
  for (auto& entry : numberedJson(outdir_)) out.push_back(std::move(entry.second));
  return out;
}

std::vector<Json> WebhookSink::waitFor(std::size_t count, milliseconds timeout) const {
  testing::waitFor([&] { return requests().size() >= count; }, timeout);
  return requests();
}

}  // namespace drover::testing
