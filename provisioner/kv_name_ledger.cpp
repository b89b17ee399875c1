#include "provisioner/kv_name_ledger.hpp"

#include <nats/nats.h>

#include "core/bus/nats_connection.hpp"
#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.ledger"};

constexpr const char* kFree = R"({"free":true})";
constexpr std::int64_t kWatchWaitMs = 500;  // how often the watcher looks at stopping_

std::string statusText(natsStatus status) {
  std::string text = natsStatus_GetText(status);
  const char* detail = nats_GetLastError(nullptr);
  if (detail != nullptr && *detail != '\0' && text.find(detail) == std::string::npos) {
    text += std::string(" (") + detail + ")";
  }
  return text;
}

}  // namespace

// Bucket names are a stream's name: letters, digits, '-' and '_'.
bool KvNameLedger::validBucket(const std::string& bucket) {
  if (bucket.empty() || bucket.size() > 64) return false;
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

KvNameLedger::KvNameLedger(LedgerOptions options) : options_(std::move(options)) {
  if (!validBucket(options_.bucket)) {
    throw LedgerError("naming.kv_bucket: '" + options_.bucket +
                      "' is no bucket name (1-64 letters, digits, '-' or '_')");
  }
  if (options_.replicas < 1 || options_.replicas > 5) {
    throw LedgerError("naming.kv_replicas: " + std::to_string(options_.replicas) +
                      " is not within 1-5");
  }
  try {
    connection_ = bus::connectNats(options_.endpoints, options_.connectionName);
  } catch (const std::runtime_error& e) {
    throw LedgerError(e.what());
  }
}

KvNameLedger::~KvNameLedger() {
  close();
  kvWatcher_Destroy(watcher_);
  kvStore_Destroy(kv_);
  jsCtx_Destroy(js_);
  natsConnection_Destroy(connection_);
}

void KvNameLedger::close() {
  stopping_ = true;
  if (watcher_ != nullptr) kvWatcher_Stop(watcher_);
  if (watching_.joinable()) watching_.join();
}

std::string KvNameLedger::describe() const {
  return "NATS KV bucket " + options_.bucket + " (" + std::to_string(options_.replicas) +
         (options_.replicas == 1 ? " replica" : " replicas") + ") at " +
         options_.endpoints.describe();
}

void KvNameLedger::bind() {
  if (js_ == nullptr) {
    jsOptions jsOpts;
    jsOptions_Init(&jsOpts);
    jsOpts.Wait = options_.callTimeout.count();
    natsStatus s = natsConnection_JetStream(&js_, connection_, &jsOpts);
    if (s != NATS_OK) throw LedgerError("JetStream: " + statusText(s));
  }
  natsStatus s = js_KeyValue(&kv_, js_, options_.bucket.c_str());
  if (s == NATS_NOT_FOUND) {
    // The first provisioner makes it; one that races it gets the same bucket back.
    kvConfig config;
    kvConfig_Init(&config);
    config.Bucket = options_.bucket.c_str();
    config.Description = "Drover: the names the provisioners give";
    config.History = 8;  // a name's last changes, for whoever looks into the bucket
    config.StorageType = js_FileStorage;
    config.Replicas = options_.replicas;
    config.MaxValueSize = 64 * 1024;
    s = js_CreateKeyValue(&kv_, js_, &config);
    if (s == NATS_OK) logger()->info("made {}", describe());
  }
  if (s != NATS_OK) {
    kv_ = nullptr;
    throw LedgerError(statusText(s));
  }
}

std::vector<KvNameLedger::Entry> KvNameLedger::open(Listener listener) {
  listener_ = std::move(listener);
  auto deadline = util::SteadyClock::now() + options_.openTimeout;
  std::string why = "no server answered";
  for (;;) {
    if (natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED) {
      try {
        bind();
        break;
      } catch (const LedgerError& e) {
        why = e.what();
      }
    }
    if (util::SteadyClock::now() >= deadline) {
      throw LedgerError(describe() + " not reachable within " +
                        std::to_string(options_.openTimeout.count()) + " ms: " + why +
                        " (the servers need JetStream, nats-server --jetstream; a single "
                        "provisioner can keep its names alone with naming.ledger: local)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // The watcher first sends every current value, then an empty entry: the snapshot.
  kvWatchOptions watchOpts;
  kvWatchOptions_Init(&watchOpts);
  watchOpts.Timeout = options_.callTimeout.count();
  natsStatus s = kvStore_WatchAll(&watcher_, kv_, &watchOpts);
  if (s != NATS_OK) throw LedgerError(describe() + ": watch: " + statusText(s));
  std::vector<Entry> snapshot;
  for (;;) {
    kvEntry* raw = nullptr;
    s = kvWatcher_Next(&raw, watcher_, options_.openTimeout.count());
    if (s != NATS_OK) throw LedgerError(describe() + ": reading the names: " + statusText(s));
    if (raw == nullptr) break;
    snapshot.push_back(fromBucket(raw));
    kvEntry_Destroy(raw);
  }
  logger()->info("{}: {} name(s)", describe(), snapshot.size());
  watching_ = std::thread([this] { watchLoop(); });
  return snapshot;
}

void KvNameLedger::watchLoop() {
  while (!stopping_) {
    kvEntry* raw = nullptr;
    natsStatus s = kvWatcher_Next(&raw, watcher_, kWatchWaitMs);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) {
      if (!stopping_) logger()->error("{}: watching stopped: {}", describe(), statusText(s));
      return;
    }
    if (raw == nullptr) continue;
    Entry entry = fromBucket(raw);
    kvEntry_Destroy(raw);
    listener_(entry);
  }
}

KvNameLedger::Entry KvNameLedger::fromBucket(kvEntry* raw) const {
  std::string key = kvEntry_Key(raw);
  std::uint64_t revision = kvEntry_Revision(raw);
  if (kvEntry_Operation(raw) != kvOp_Put) return Entry{key, std::nullopt, revision};
  std::string value(kvEntry_ValueString(raw), static_cast<std::size_t>(kvEntry_ValueLen(raw)));
  std::string problem;
  Entry entry = decode(key, value, revision, &problem);
  if (!problem.empty()) {
    logger()->warn("{}: key {} revision {} is no holding ({}): read as free", options_.bucket, key,
                   revision, problem);
  }
  return entry;
}

std::string KvNameLedger::encode(const std::optional<naming::Holding>& holding) {
  if (!holding) return kFree;
  naming::Holding shared = *holding;
  shared.lastSeenMs = 0;  // each provisioner sees the registrations for itself
  return naming::toJson(shared).dump();
}

KvNameLedger::Entry KvNameLedger::decode(const std::string& key, const std::string& value,
                                         std::uint64_t revision, std::string* problem) {
  Entry entry{key, std::nullopt, revision};
  Json json = Json::parse(value, nullptr, false);
  if (json.is_discarded()) {
    *problem = "not JSON";
    return entry;
  }
  if (json.is_object() && json.value("free", false) && json.size() == 1) return entry;
  try {
    naming::Holding holding = naming::holdingFrom(json);
    if (holding.name != key) {
      *problem = "it holds '" + holding.name + "'";
      return entry;
    }
    entry.holding = std::move(holding);
  } catch (const std::exception& e) {
    *problem = e.what();
  }
  return entry;
}

std::optional<std::uint64_t> KvNameLedger::write(const Entry& entry, Entry* current) {
  if (kv_ == nullptr) throw LedgerError(describe() + ": not open");
  std::string value = encode(entry.holding);
  std::uint64_t revision = 0;
  const auto* data = value.data();
  int length = static_cast<int>(value.size());
  natsStatus s =
      entry.revision == 0
          ? kvStore_Create(&revision, kv_, entry.name.c_str(), data, length)
          : kvStore_Update(&revision, kv_, entry.name.c_str(), data, length, entry.revision);
  if (s == NATS_OK) return revision;
  std::string why = statusText(s);
  // Refused because someone wrote first, or not written at all: the bucket says which.
  kvEntry* raw = nullptr;
  natsStatus got = kvStore_Get(&raw, kv_, entry.name.c_str());
  if (got == NATS_OK) {
    Entry now = fromBucket(raw);
    kvEntry_Destroy(raw);
    if (now.revision != entry.revision) {
      *current = std::move(now);
      return std::nullopt;
    }
  } else if (got == NATS_NOT_FOUND && entry.revision != 0) {
    *current = Entry{entry.name, std::nullopt, 0};  // purged by hand: never written again
    return std::nullopt;
  }
  throw LedgerError(describe() + ": writing " + entry.name + ": " + why);
}

}  // namespace drover::provisioner
