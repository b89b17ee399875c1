#pragma once
// The `notifiers:` section of provisioner.yaml: one entry per notifier, keyed by its name.
//
//   notifiers:
//     ops-room:
//       type: xmpp                     # log | exec | webhook | email | xmpp
//       events: [provisioned, failed]  # default: provisioned, failed, waiting_too_long
//       digest_window: 60s             # xmpp/email default 60s; 0s sends each event alone
//       jid: drover@example.com/provisioner
//       password_file: /etc/drover/xmpp.pass
//       to: [ops@example.com]
//       rooms: [alerts@conference.example.com]
//
// Every key, its default and its meaning: notifiers/notifiers.example.yaml. Problems are collected
// and reported together, each as "file:line:column: notifier 'ops-room': key 'jid': message".
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/option_table.hpp"
#include "core/templating/template.hpp"
#include "notifiers/event.hpp"
#include "notifiers/secret.hpp"

namespace drover::notifiers {

/// Thrown for every problem in a notifier config; one line per problem.
using ConfigError = config::Error;

enum class TlsMode {
  Required,  // STARTTLS (or implicit TLS) or no delivery
  Optional,  // STARTTLS when the server offers it
  Disabled,  // plain text; xmpp allows it only for a loopback server
};

struct RetryPolicy {
  int attempts = 5;                                // tries in all, the first included
  std::chrono::milliseconds initialBackoff{1000};  // wait before the second try
  std::chrono::milliseconds maxBackoff{60'000};    // the wait doubles up to this
};

/// What every notifier has, whatever its channel.
struct ChannelOptions {
  std::string name;
  std::string type;
  std::string where;  // "provisioner.yaml:12:3", for messages
  std::set<EventKind> events{EventKind::Provisioned, EventKind::Failed,
                             EventKind::WaitingTooLong};  // Test always passes
  std::vector<std::string> facts;  // facts in JSON documents; empty: all the event has
  std::map<EventKind, templating::Template> templates;  // per kind; else defaultTemplate()
  std::optional<templating::Template> subject;          // email subject; default per kind
  std::chrono::milliseconds digestWindow{0};            // 0: one message per event
  std::string digestGroupBy = "region";                 // the fact a digest names ("in eu-west-1")
  std::size_t queueLimit = 1000;  // events waiting; more are dropped and counted
  RetryPolicy retry;
  std::chrono::milliseconds timeout{30'000};  // one delivery attempt
};

struct LogSettings {
  std::filesystem::path path;  // appended to, one JSON document per line; empty: stdout
};

struct ExecSettings {
  std::vector<std::string> command;  // argv; the event JSON goes to stdin
  std::vector<std::string> environment{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};
};

struct WebhookSettings {
  std::string url;
  std::optional<Secret> hmacKey;      // X-Drover-Signature: sha256=<hex of HMAC over the body>
  std::optional<Secret> bearerToken;  // Authorization: Bearer
  std::filesystem::path caFile;       // empty: the system store
};

struct EmailSettings {
  std::string url;              // smtp://host:587 (STARTTLS) or smtps://host:465
  std::string from;             // bare address: drover@example.com
  std::vector<std::string> to;  // bare addresses
  TlsMode tls = TlsMode::Required;
  std::string username;
  std::optional<Secret> password;
  std::filesystem::path caFile;  // empty: the system store
  std::string helo;              // EHLO name; empty: this host's name
};

struct XmppSettings {
  std::string jid;  // user@domain[/resource]
  std::optional<Secret> password;
  std::string server;  // host to connect to; empty: the JID's domain
  int port = 5222;
  TlsMode tls = TlsMode::Required;
  std::filesystem::path caFile = "/etc/ssl/certs/ca-certificates.crt";
  std::vector<std::string> to;     // JIDs that get direct messages
  std::vector<std::string> rooms;  // MUC rooms (room@service) that get posts
  std::string nick = "drover";     // nickname in the rooms
  std::chrono::milliseconds connectTimeout{10'000};
  std::chrono::milliseconds keepalive{60'000};  // ping the server when idle this long
};

using ChannelSettings =
    std::variant<LogSettings, ExecSettings, WebhookSettings, EmailSettings, XmppSettings>;

struct NotifierConfig {
  ChannelOptions options;
  ChannelSettings settings;
};

struct NotifyConfig {
  std::string source;  // the file (or name) it was read from
  std::vector<NotifierConfig> notifiers;

  /// The notifier called `name`, or nullptr.
  const NotifierConfig* find(const std::string& name) const;
};

/// Reads the value of a `notifiers:` key (a map of notifier name to settings; null
/// means none). `sourceName` stands for the file in messages. Secrets named by *_file
/// and *_env keys are read now, so a missing one is a config error, not a failed
/// delivery hours later. Throws ConfigError listing every problem.
NotifyConfig parse(const YAML::Node& notifiers, const std::string& sourceName);

/// Reads `file` and parses its top-level `notifiers:` key; other top-level keys belong to
/// the rest of the file (provisioner.yaml) and are left alone. A file without the key
/// gives an empty config. Throws ConfigError (also for an unreadable file or bad YAML).
NotifyConfig loadFile(const std::filesystem::path& file);

/// The same for YAML text in memory; `name` stands for the file in messages.
NotifyConfig loadText(const std::string& text, const std::string& name);

}  // namespace drover::notifiers
