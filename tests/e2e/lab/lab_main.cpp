// drover-lab: real puppetservers, Puppet node roots and notification servers for the
// embedded default (scripts/demo.sh), started exactly as the tests start them.
//
//   drover-lab masters --dir DIR NAME...
//       Starts one puppetserver per NAME (own CA, state in DIR/NAME, a free loopback
//       port), all at once. When every one answers, writes DIR/NAME.port and then
//       DIR/ready, and stays in the foreground; SIGTERM or SIGINT stops them by PID.
//   drover-lab notify --dir DIR
//       Starts Prosody (domain demo.test, accounts drover and admin, MUC service
//       conference.demo.test whose rooms keep their last 20 messages for those who join
//       later) and an SMTP sink (STARTTLS, AUTH as drover) that stores each message in
//       DIR/smtp/maildir, on free loopback ports. Writes the passwords to DIR/*.pass
//       (mode 0600), the rest to DIR/notify.env (shell assignments), then DIR/ready, and
//       stays in the foreground; SIGTERM or SIGINT stops them by PID.
//   drover-lab node-root --root ROOT --certname NAME
//       Writes a node's Puppet settings under ROOT (etc/puppet, var/lib/puppet) and
//       the fact marker_dir=ROOT/var/markers, where its Puppet runs leave markers.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/util/files.hpp"
#include "core/util/ids.hpp"
#include "tests/support/notify_servers.hpp"
#include "tests/support/puppet_master.hpp"

namespace {

namespace fs = std::filesystem;
using drover::testing::PuppetMaster;

int usage() {
  std::fprintf(stderr,
               "usage: drover-lab masters --dir DIR NAME...\n"
               "       drover-lab notify --dir DIR\n"
               "       drover-lab node-root --root ROOT --certname NAME\n");
  return 2;
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// Blocked before any thread starts, so only waitForStop() sees them.
sigset_t blockStopSignals() {
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  return stopSignals;
}

void waitForStop(const sigset_t& stopSignals, const char* what) {
  int signal = 0;
  sigwait(&stopSignals, &signal);
  std::printf("drover-lab: %s, stopping %s\n", strsignal(signal), what);
  std::fflush(stdout);
}

int masters(const fs::path& dir, const std::vector<std::string>& names) {
  const sigset_t stopSignals = blockStopSignals();

  std::map<std::string, std::unique_ptr<PuppetMaster>> running;
  for (const auto& name : names) {
    PuppetMaster::Options options;
    options.name = name;
    options.stateDir = dir / name;
    fs::create_directories(options.stateDir);
    running[name] = std::make_unique<PuppetMaster>(options);
  }
  std::vector<PuppetMaster*> all;
  for (auto& [name, master] : running) all.push_back(master.get());
  bool failed = false;
  for (const auto& [name, error] : startTogether(all)) {
    std::fprintf(stderr, "drover-lab: %s\n", error.c_str());
    failed = true;
  }
  if (failed) return 1;  // the destructors stop the ones that did start
  for (auto& [name, m] : running) {
    std::printf("%s running on 127.0.0.1:%d after %.1f s (pid %d, RSS %ld MiB)\n", name.c_str(),
                m->port(), static_cast<double>(m->startupTime().count()) / 1000.0, m->pid(),
                m->rssKib() / 1024);
    writeText(dir / (name + ".port"), std::to_string(m->port()) + "\n");
  }
  std::fflush(stdout);
  writeText(dir / "ready", "");
  waitForStop(stopSignals, "the puppetservers");
  running.clear();
  return 0;
}

// DIR/notify.env: what a script needs to reach the servers, as shell assignments.
void writeNotifyEnv(const fs::path& dir, const drover::testing::ProsodyServer& prosody,
                    const drover::testing::SmtpSink& sink) {
  const std::vector<std::pair<std::string, std::string>> env{
      {"XMPP_PORT", std::to_string(prosody.port())},
      {"XMPP_DOMAIN", prosody.domain()},
      {"XMPP_MUC_SERVICE", prosody.mucService()},
      {"XMPP_CA_FILE", prosody.caFile().string()},
      {"XMPP_DROVER_JID", "drover@" + prosody.domain()},
      {"XMPP_DROVER_PASSWORD_FILE", (dir / "xmpp-drover.pass").string()},
      {"XMPP_ADMIN_JID", "admin@" + prosody.domain()},
      {"XMPP_ADMIN_PASSWORD_FILE", (dir / "xmpp-admin.pass").string()},
      {"SMTP_URL", sink.url()},
      {"SMTP_CA_FILE", sink.caFile().string()},
      {"SMTP_USER", "drover"},
      {"SMTP_PASSWORD_FILE", (dir / "smtp-drover.pass").string()},
      {"SMTP_MAILDIR", sink.maildir().string()},
  };
  std::string text;
  for (const auto& [name, value] : env) text += name + "='" + value + "'\n";
  writeText(dir / "notify.env", text);
}

int notify(const fs::path& dir) {
  constexpr const char* kDomain = "demo.test";
  constexpr int kRoomHistory = 20;
  const sigset_t stopSignals = blockStopSignals();
  fs::create_directories(dir);
  // Fresh for each run; the provisioner and the room reader take them from these files.
  const std::string xmppDrover = drover::util::randomId();
  const std::string xmppAdmin = drover::util::randomId();
  const std::string smtpDrover = drover::util::randomId();
  drover::util::writeFileAtomically(dir / "xmpp-drover.pass", xmppDrover + "\n", 0600);
  drover::util::writeFileAtomically(dir / "xmpp-admin.pass", xmppAdmin + "\n", 0600);
  drover::util::writeFileAtomically(dir / "smtp-drover.pass", smtpDrover + "\n", 0600);
  drover::testing::ProsodyServer prosody(
      dir / "prosody", {{"drover", xmppDrover}, {"admin", xmppAdmin}}, kDomain, kRoomHistory);
  drover::testing::SmtpSink sink(dir / "smtp", {true, "drover:" + smtpDrover});
  writeNotifyEnv(dir, prosody, sink);
  std::printf("prosody running on 127.0.0.1:%d (XMPP domain %s), SMTP sink on 127.0.0.1:%d\n",
              prosody.port(), kDomain, sink.port());
  std::fflush(stdout);
  writeText(dir / "ready", "");
  waitForStop(stopSignals, "prosody and the SMTP sink");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 4 && args[0] == "masters" && args[1] == "--dir") {
      return masters(args[2], {args.begin() + 3, args.end()});
    }
    if (args.size() == 3 && args[0] == "notify" && args[1] == "--dir") return notify(args[2]);
    if (args.size() == 5 && args[0] == "node-root" && args[1] == "--root" &&
        args[3] == "--certname") {
      const fs::path root = args[2];
      drover::testing::writeNodePuppetConfig(
          root, {{"marker_dir", (root / "var/markers").string()}}, {{"certname", args[4]}});
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-lab: %s\n", e.what());
    return 1;
  }
  return usage();
}
