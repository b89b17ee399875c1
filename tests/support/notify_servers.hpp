#pragma once
// Real servers for the notify integration tests and the demo (drover-lab notify), each
// started on a free loopback port in a private directory and stopped by PID: Prosody
// (XMPP) with accounts and a MUC service, an aiosmtpd SMTP sink, a Python HTTP receiver
// for webhooks, and a slixmpp receiver that records the XMPP messages that arrive. The
// Python helpers live in tests/integration/notifiers/ and run with the system
// /usr/bin/python3, which sees the Debian python3-* modules.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.hpp"
#include "testing/process.hpp"

namespace drover::testing {

/// A self-signed certificate (CA:TRUE, so it is its own trust anchor) for `name` with the
/// given subjectAltName ("DNS:example.test,IP:127.0.0.1"). Returns {cert, key}.
/// Throws std::runtime_error with openssl's output.
std::pair<std::filesystem::path, std::filesystem::path> makeSelfSignedCert(
    const std::filesystem::path& dir, const std::string& name, const std::string& san);

class ProsodyServer {
 public:
  struct Account {
    std::string user;
    std::string password;
  };

  /// Writes a config under `dir`, registers `accounts` and starts Prosody on a free port
  /// with STARTTLS required, domain `domain` and MUC service conference.<domain>. With
  /// `roomHistory` > 0 its rooms outlive their last occupant and give the last
  /// `roomHistory` messages to whoever joins later; with 0 they keep none, so a receiver
  /// sees only what is posted while it is in. Throws std::runtime_error (with Prosody's
  /// log) if it does not come up.
  ProsodyServer(const std::filesystem::path& dir, std::vector<Account> accounts,
                std::string domain = "example.test", int roomHistory = 0);

  int port() const { return port_; }
  const std::string& domain() const { return domain_; }
  std::string mucService() const { return "conference." + domain_; }
  const std::filesystem::path& caFile() const { return cert_; }
  /// Prosody's log (info level: one "Authenticated as" line per login).
  std::string log() const;
  /// Stops and starts it again on the same port with the same data.
  void restart();

 private:
  void start();

  std::filesystem::path dir_;
  std::string domain_;
  int port_ = 0;
  std::filesystem::path config_;
  std::filesystem::path cert_;
  std::unique_ptr<Process> process_;
};

/// A slixmpp client logged in as `jid` (and joined to `room` as `nick`, when given) that
/// records every live message it receives (tests/integration/notifiers/xmpp_receiver.py
/// also reads a room's history, for scripts/demo.sh).
class XmppReceiver {
 public:
  XmppReceiver(const std::filesystem::path& dir, const ProsodyServer& server,
               const std::string& jid, const std::string& password, const std::string& room = "",
               const std::string& nick = "watcher");

  /// Waits until it has logged in (and joined the room). False on timeout.
  bool waitReady(std::chrono::milliseconds timeout);
  /// Messages so far: {"type": chat|normal|groupchat, "from", "body"}.
  std::vector<Json> messages() const;
  /// Waits for at least `count` messages; returns what arrived.
  std::vector<Json> waitFor(std::size_t count, std::chrono::milliseconds timeout) const;
  std::string log() const { return process_->log(); }

 private:
  std::filesystem::path out_;
  std::filesystem::path ready_;
  std::unique_ptr<Process> process_;
};

class SmtpSink {
 public:
  struct Options {
    bool starttls = true;  // offer STARTTLS and refuse mail before it
    std::string auth;      // "user:password": require AUTH (offered after STARTTLS)
  };
  struct Mail {
    Json envelope;    // mail_from, rcpt_tos, tls, auth_user
    std::string raw;  // the message as received
  };

  SmtpSink(const std::filesystem::path& dir, Options options);

  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& caFile() const { return cert_; }
  /// Where each message is stored: N.eml (as received) and N.json (its envelope).
  const std::filesystem::path& maildir() const { return maildir_; }
  std::vector<Mail> mails() const;
  std::vector<Mail> waitFor(std::size_t count, std::chrono::milliseconds timeout) const;
  std::string log() const { return process_->log(); }

 private:
  std::filesystem::path maildir_;
  std::filesystem::path cert_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

class WebhookSink {
 public:
  struct Options {
    std::string key;    // HMAC key the sink checks signatures with
    int status = 200;   // answer after the first failFirst requests
    int failFirst = 0;  // answer 503 to this many first requests
  };

  WebhookSink(const std::filesystem::path& dir, Options options);

  std::string url(const std::string& path = "/drover") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  /// {"path", "headers", "body", "signature_ok", "status"} per request, in order.
  std::vector<Json> requests() const;
  std::vector<Json> waitFor(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  std::filesystem::path outdir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool portOpen(int port);

}  // namespace drover::testing
