#include "notifiers/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/config/checks.hpp"
#include "core/util/yaml_stream.hpp"
#include "notifiers/duration.hpp"
#include "notifiers/placeholders.hpp"

namespace drover::notifiers {
namespace {

using std::chrono::milliseconds;

// A key of a YAML map and its value; the key's mark is where messages point.
struct Entry {
  YAML::Node key;
  YAML::Node value;
};

const std::vector<std::string> kTypes{"log", "exec", "webhook", "email", "xmpp"};

const std::vector<std::string> kCommonKeys{"type",
                                           "events",
                                           "facts",
                                           "templates",
                                           "subject",
                                           "digest_window",
                                           "digest_group_by",
                                           "queue_limit",
                                           "retry_attempts",
                                           "retry_backoff",
                                           "retry_max_backoff",
                                           "timeout"};

std::vector<std::string> keysOf(const std::string& type) {
  if (type == "log") return {"path"};
  if (type == "exec") return {"command"};
  if (type == "webhook") {
    return {"url", "hmac_key_file", "hmac_key_env", "token_file", "token_env", "ca_file"};
  }
  if (type == "email") {
    return {"url",           "from",         "to",      "tls", "username",
            "password_file", "password_env", "ca_file", "helo"};
  }
  return {"jid", "password_file", "password_env", "server",          "port",     "tls", "ca_file",
          "to",  "rooms",         "nick",         "connect_timeout", "keepalive"};
}

// Keys that would put a secret in the main config, and what to use instead.
const std::map<std::string, std::string> kInlineSecrets{
    {"password", "password_file or password_env"},
    {"hmac_key", "hmac_key_file or hmac_key_env"},
    {"token", "token_file or token_env"}};

std::string kindOf(const YAML::Node& node) { return util::describeYamlNode(node); }

bool isLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool plausibleAddress(const std::string& address) {
  auto at = address.find('@');
  return at != std::string::npos && at > 0 && at + 1 < address.size() &&
         address.find_first_of(" \t\r\n<>,;\"") == std::string::npos &&
         address.find('@', at + 1) == std::string::npos;
}

// Reads the notifiers of one document, collecting every problem before giving up.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  void fail(const YAML::Mark& mark, const std::string& message) {
    problems_.push_back(source_ + ":" + std::to_string(std::max(mark.line, 0) + 1) + ":" +
                        std::to_string(std::max(mark.column, 0) + 1) + ": " + message);
  }

  const std::vector<std::string>& problems() const { return problems_; }

  NotifyConfig read(const YAML::Node& notifiers) {
    NotifyConfig config;
    config.source = source_;
    if (!notifiers.IsDefined() || notifiers.IsNull()) return config;
    if (!notifiers.IsMap()) {
      fail(notifiers.Mark(), "key 'notifiers': expected a map of notifier names to settings, got " +
                                 kindOf(notifiers));
      return config;
    }
    std::map<std::string, int> seen;
    for (auto it = notifiers.begin(); it != notifiers.end(); ++it) {
      if (!it->first.IsScalar() || it->first.Scalar().empty()) {
        fail(it->first.Mark(), "expected a notifier name, got " + kindOf(it->first));
        continue;
      }
      const std::string name = it->first.Scalar();
      if (auto [first, fresh] = seen.emplace(name, it->first.Mark().line + 1); !fresh) {
        fail(it->first.Mark(), "notifier '" + name + "' is defined twice (first on line " +
                                   std::to_string(first->second) + ")");
        continue;
      }
      if (auto notifier = readNotifier(name, it->first, it->second)) {
        config.notifiers.push_back(std::move(*notifier));
      }
    }
    return config;
  }

 private:
  // --- the notifier being read -------------------------------------------------------
  std::string name_;
  std::map<std::string, Entry> entries_;

  void problem(const YAML::Mark& mark, const std::string& key, const std::string& message) {
    fail(mark, "notifier '" + name_ + "': " + (key.empty() ? "" : "key '" + key + "': ") + message);
  }

  static YAML::Mark valueMark(const Entry& entry) {
    return entry.value.IsNull() ? entry.key.Mark() : entry.value.Mark();
  }

  const Entry* find(const std::string& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }

  std::optional<NotifierConfig> readNotifier(const std::string& name, const YAML::Node& key,
                                             const YAML::Node& value) {
    name_ = name;
    entries_.clear();
    if (!value.IsMap()) {
      problem(value.IsNull() ? key.Mark() : value.Mark(), "",
              "expected a map of settings, got " + kindOf(value));
      return std::nullopt;
    }
    collect(value);
    auto type = string("type");
    if (!type) {
      problem(key.Mark(), "", "key 'type' is required (one of log, exec, webhook, email, xmpp)");
      return std::nullopt;
    }
    if (std::find(kTypes.begin(), kTypes.end(), *type) == kTypes.end()) {
      problem(valueMark(*find("type")), "type",
              "unknown type '" + *type + "' (expected log, exec, webhook, email or xmpp)");
      return std::nullopt;
    }
    const std::size_t before = problems_.size();
    checkKeys(*type);
    NotifierConfig out{commonOptions(*type, key), LogSettings{}};
    out.settings = settings(*type, key);
    if (problems_.size() != before) return std::nullopt;
    return out;
  }

  void collect(const YAML::Node& map) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        problem(it->first.Mark(), "", "expected a key name, got " + kindOf(it->first));
        continue;
      }
      auto [first, fresh] = entries_.emplace(it->first.Scalar(), Entry{it->first, it->second});
      if (!fresh) {
        problem(it->first.Mark(), it->first.Scalar(),
                "duplicate key (first set on line " +
                    std::to_string(first->second.key.Mark().line + 1) + ")");
      }
    }
  }

  void checkKeys(const std::string& type) {
    std::vector<std::string> known = kCommonKeys;
    for (auto& key : keysOf(type)) known.push_back(key);
    for (const auto& [key, entry] : entries_) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      if (auto secret = kInlineSecrets.find(key); secret != kInlineSecrets.end()) {
        problem(entry.key.Mark(), key,
                "secrets are not read from the main config; use " + secret->second);
        continue;
      }
      std::string hint = config::closestMatch(key, known);
      problem(entry.key.Mark(), key,
              "unknown key for a " + type + " notifier" +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
  }

  // --- typed values ------------------------------------------------------------------
  std::optional<std::string> string(const std::string& key) {
    const Entry* entry = find(key);
    if (entry == nullptr) return std::nullopt;
    if (!entry->value.IsScalar() || entry->value.Scalar().empty()) {
      problem(valueMark(*entry), key, "expected a text value, got " + kindOf(entry->value));
      return std::nullopt;
    }
    return entry->value.Scalar();
  }

  std::string required(const std::string& key, const YAML::Node& nameKey) {
    if (find(key) == nullptr) {
      problem(nameKey.Mark(), "", "key '" + key + "' is required");
      return "";
    }
    return string(key).value_or("");
  }

  // A list of texts; a single text is a list of one.
  std::optional<std::vector<std::string>> list(const std::string& key) {
    const Entry* entry = find(key);
    if (entry == nullptr) return std::nullopt;
    if (entry->value.IsScalar()) return std::vector<std::string>{entry->value.Scalar()};
    if (!entry->value.IsSequence()) {
      problem(valueMark(*entry), key, "expected a list, got " + kindOf(entry->value));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : entry->value) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        problem(item.Mark(), key, "expected each item to be a text, got " + kindOf(item));
        return std::nullopt;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  std::optional<milliseconds> duration(const std::string& key, milliseconds min) {
    auto text = string(key);
    if (!text) return std::nullopt;
    auto value = parseDuration(*text);
    if (!value || *value < min) {
      problem(valueMark(*find(key)), key,
              "expected a duration of at least " + std::to_string(min.count()) +
                  " ms with a unit (500ms, 60s, 5m, 1h), got '" + *text + "'");
      return std::nullopt;
    }
    return value;
  }

  std::optional<long long> integer(const std::string& key, long long min, long long max) {
    auto text = string(key);
    if (!text) return std::nullopt;
    long long value = 0;
    std::istringstream in(*text);
    if (!(in >> value) || !in.eof() || value < min || value > max) {
      problem(valueMark(*find(key)), key,
              "expected an integer between " + std::to_string(min) + " and " + std::to_string(max) +
                  ", got '" + *text + "'");
      return std::nullopt;
    }
    return value;
  }

  std::optional<TlsMode> tls(const std::string& key, TlsMode fallback) {
    auto text = string(key);
    if (!text) return find(key) == nullptr ? std::optional<TlsMode>(fallback) : std::nullopt;
    if (*text == "required") return TlsMode::Required;
    if (*text == "optional") return TlsMode::Optional;
    if (*text == "disabled") return TlsMode::Disabled;
    problem(valueMark(*find(key)), key,
            "expected required, optional or disabled, got '" + *text + "'");
    return std::nullopt;
  }

  // `base`_file or `base`_env; never both.
  std::optional<Secret> secret(const std::string& base) {
    const Entry* file = find(base + "_file");
    const Entry* env = find(base + "_env");
    if (file != nullptr && env != nullptr) {
      problem(env->key.Mark(), base + "_env",
              "give " + base + "_file or " + base + "_env, not both");
      return std::nullopt;
    }
    const Entry* entry = file != nullptr ? file : env;
    if (entry == nullptr) return std::nullopt;
    const std::string key = entry->key.Scalar();
    auto where = string(key);
    if (!where) return std::nullopt;
    try {
      return file != nullptr ? Secret::fromFile(*where) : Secret::fromEnv(*where);
    } catch (const std::exception& e) {
      problem(valueMark(*entry), key, e.what());
      return std::nullopt;
    }
  }

  // --- sections --------------------------------------------------------------------
  ChannelOptions commonOptions(const std::string& type, const YAML::Node& nameKey) {
    ChannelOptions options;
    options.name = name_;
    options.type = type;
    options.where = source_ + ":" + std::to_string(nameKey.Mark().line + 1);
    const bool people = type == "email" || type == "xmpp";
    if (people) options.digestWindow = milliseconds(60'000);
    options.timeout = type == "webhook" ? milliseconds(10'000) : milliseconds(30'000);
    if (auto kinds = list("events")) options.events = events(*kinds);
    if (auto facts = list("facts")) options.facts = *facts;
    if (auto window = duration("digest_window", milliseconds(0))) options.digestWindow = *window;
    if (auto fact = string("digest_group_by")) options.digestGroupBy = *fact;
    if (auto limit = integer("queue_limit", 1, 1'000'000)) {
      options.queueLimit = static_cast<std::size_t>(*limit);
    }
    if (auto attempts = integer("retry_attempts", 1, 100)) {
      options.retry.attempts = static_cast<int>(*attempts);
    }
    if (auto backoff = duration("retry_backoff", milliseconds(1))) {
      options.retry.initialBackoff = *backoff;
    }
    if (auto most = duration("retry_max_backoff", milliseconds(1)))
      options.retry.maxBackoff = *most;
    if (auto timeout = duration("timeout", milliseconds(100))) options.timeout = *timeout;
    if (options.retry.maxBackoff < options.retry.initialBackoff) {
      problem(nameKey.Mark(), "retry_max_backoff", "is shorter than retry_backoff");
    }
    readTemplates(options);
    return options;
  }

  std::set<EventKind> events(const std::vector<std::string>& names) {
    std::set<EventKind> out;
    for (const auto& name : names) {
      if (auto kind = parseKind(name)) {
        out.insert(*kind);
      } else {
        problem(valueMark(*find("events")), "events",
                "unknown event '" + name +
                    "' (expected provisioned, failed, retried, waiting_too_long or test)");
      }
    }
    return out;
  }

  std::optional<templating::Template> parsedTemplate(const YAML::Node& node,
                                                     const std::string& key) {
    if (!node.IsScalar()) {
      problem(node.Mark(), key, "expected a text, got " + kindOf(node));
      return std::nullopt;
    }
    try {
      return parseTemplate(node.Scalar());
    } catch (const templating::Error& e) {
      problem(node.Mark(), key,
              std::string(e.what()) + " at character " + std::to_string(e.offset() + 1));
      return std::nullopt;
    }
  }

  void readTemplates(ChannelOptions& options) {
    if (const Entry* subject = find("subject")) {
      options.subject = parsedTemplate(subject->value, "subject");
    }
    const Entry* entry = find("templates");
    if (entry == nullptr) return;
    if (!entry->value.IsMap()) {
      problem(valueMark(*entry), "templates",
              "expected a map of event names to texts, got " + kindOf(entry->value));
      return;
    }
    for (auto it = entry->value.begin(); it != entry->value.end(); ++it) {
      auto kind = it->first.IsScalar() ? parseKind(it->first.Scalar()) : std::nullopt;
      if (!kind) {
        problem(it->first.Mark(), "templates",
                "unknown event " + kindOf(it->first) +
                    " (expected provisioned, failed, retried, waiting_too_long or test)");
        continue;
      }
      if (auto parsed = parsedTemplate(it->second, "templates." + it->first.Scalar())) {
        options.templates[*kind] = std::move(*parsed);
      }
    }
  }

  ChannelSettings settings(const std::string& type, const YAML::Node& nameKey) {
    if (type == "log") return LogSettings{required("path", nameKey)};
    if (type == "exec") return execSettings(nameKey);
    if (type == "webhook") return webhookSettings(nameKey);
    if (type == "email") return emailSettings(nameKey);
    return xmppSettings(nameKey);
  }

  ExecSettings execSettings(const YAML::Node& nameKey) {
    ExecSettings out;
    if (find("command") == nullptr) {
      problem(nameKey.Mark(), "", "key 'command' is required (a list: program and arguments)");
    } else if (auto command = list("command")) {
      out.command = *command;
    }
    return out;
  }

  WebhookSettings webhookSettings(const YAML::Node& nameKey) {
    WebhookSettings out;
    out.url = required("url", nameKey);
    if (!out.url.empty() && out.url.rfind("http://", 0) != 0 && out.url.rfind("https://", 0) != 0) {
      problem(valueMark(*find("url")), "url", "expected an http:// or https:// URL");
    }
    if (out.url.find('@') != std::string::npos && out.url.find('@') < out.url.find('/', 8)) {
      problem(valueMark(*find("url")), "url",
              "credentials in the URL would be logged; use token_file or token_env");
    }
    out.hmacKey = secret("hmac_key");
    out.bearerToken = secret("token");
    out.caFile = string("ca_file").value_or("");
    return out;
  }

  EmailSettings emailSettings(const YAML::Node& nameKey) {
    EmailSettings out;
    out.url = required("url", nameKey);
    const bool implicitTls = out.url.rfind("smtps://", 0) == 0;
    if (!out.url.empty() && !implicitTls && out.url.rfind("smtp://", 0) != 0) {
      problem(valueMark(*find("url")), "url", "expected smtp://HOST[:PORT] or smtps://HOST[:PORT]");
    }
    out.from = required("from", nameKey);
    if (!out.from.empty() && !plausibleAddress(out.from)) {
      problem(valueMark(*find("from")), "from",
              "expected a bare address such as drover@example.com");
    }
    if (find("to") == nullptr) problem(nameKey.Mark(), "", "key 'to' is required");
    for (const auto& address : list("to").value_or(std::vector<std::string>{})) {
      if (!plausibleAddress(address)) {
        problem(valueMark(*find("to")), "to", "'" + address + "' is not a bare mail address");
      }
      out.to.push_back(address);
    }
    out.tls = tls("tls", TlsMode::Required).value_or(TlsMode::Required);
    out.username = string("username").value_or("");
    out.password = secret("password");
    out.caFile = string("ca_file").value_or("");
    out.helo = string("helo").value_or("");
    if (out.password && out.username.empty()) {
      problem(nameKey.Mark(), "username", "a password is set but no username");
    }
    if (!out.username.empty() && !out.password) {
      problem(nameKey.Mark(), "password_file",
              "username is set: give password_file or password_env");
    }
    if (!out.username.empty() && out.tls != TlsMode::Required && !implicitTls) {
      // libcurl sends mail without logging in when the server offers no AUTH (as before
      // STARTTLS), and a password over plain text is no better.
      problem(valueMark(*find("tls")), "tls",
              "credentials need tls: required (or an smtps:// url)");
    }
    return out;
  }

  XmppSettings xmppSettings(const YAML::Node& nameKey) {
    XmppSettings out;
    out.jid = required("jid", nameKey);
    if (!out.jid.empty() && out.jid.find('@') == std::string::npos) {
      problem(valueMark(*find("jid")), "jid", "expected user@domain[/resource]");
    }
    out.password = secret("password");
    if (!out.password && find("password_file") == nullptr && find("password_env") == nullptr) {
      problem(nameKey.Mark(), "", "key 'password_file' or 'password_env' is required");
    }
    out.server = string("server").value_or("");
    if (auto port = integer("port", 1, 65535)) out.port = static_cast<int>(*port);
    out.tls = tls("tls", TlsMode::Required).value_or(TlsMode::Required);
    if (auto ca = string("ca_file")) out.caFile = *ca;
    out.to = list("to").value_or(std::vector<std::string>{});
    out.rooms = list("rooms").value_or(std::vector<std::string>{});
    for (const auto& jid : out.to) checkJid(jid, "to");
    for (const auto& jid : out.rooms) checkJid(jid, "rooms");
    if (out.to.empty() && out.rooms.empty() && find("to") == nullptr && find("rooms") == nullptr) {
      problem(nameKey.Mark(), "", "give 'to' (JIDs), 'rooms' (room@service), or both");
    }
    if (auto nick = string("nick")) out.nick = *nick;
    if (auto timeout = duration("connect_timeout", milliseconds(100)))
      out.connectTimeout = *timeout;
    if (auto keepalive = duration("keepalive", milliseconds(1000))) out.keepalive = *keepalive;
    std::string host = out.server.empty() ? out.jid.substr(out.jid.find('@') + 1) : out.server;
    if (out.tls == TlsMode::Disabled && !isLoopback(host)) {
      problem(valueMark(*find("tls")), "tls",
              "disabled is only allowed for a loopback server (127.0.0.1, ::1, localhost), not '" +
                  host + "'");
    }
    return out;
  }

  void checkJid(const std::string& jid, const std::string& key) {
    if (jid.find('@') == std::string::npos || jid.find_first_of(" \t") != std::string::npos) {
      problem(valueMark(*find(key)), key, "'" + jid + "' is not a JID such as user@domain");
    }
  }

  std::string source_;
  std::vector<std::string> problems_;
};

void throwIfAny(const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string text;
  for (const auto& problem : problems) text += (text.empty() ? "" : "\n") + problem;
  throw ConfigError(text);
}

}  // namespace

const NotifierConfig* NotifyConfig::find(const std::string& name) const {
  for (const auto& notifier : notifiers) {
    if (notifier.options.name == name) return &notifier;
  }
  return nullptr;
}

NotifyConfig parse(const YAML::Node& notifiers, const std::string& sourceName) {
  Reader reader(sourceName);
  NotifyConfig config = reader.read(notifiers);
  throwIfAny(reader.problems());
  return config;
}

NotifyConfig loadText(const std::string& text, const std::string& name) {
  Reader reader(name);
  util::YamlStream stream;
  try {
    stream = util::loadYamlStream(text);
  } catch (const YAML::Exception& e) {
    reader.fail(e.mark, "YAML syntax error: " + e.msg);
    throwIfAny(reader.problems());
  }
  if (stream.documents > 1) reader.fail(stream.second, "expected one YAML document, found more");
  const YAML::Node& root = stream.first;
  NotifyConfig config;
  config.source = name;
  if (root.IsMap()) {
    config = reader.read(root["notifiers"]);
  } else if (!root.IsNull()) {
    reader.fail(root.Mark(), "expected a map of settings, got " + kindOf(root));
  }
  throwIfAny(reader.problems());
  return config;
}

NotifyConfig loadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return loadText(text.str(), file.string());
}

}  // namespace drover::notifiers
