// NameKeeper's threads: the courier (silence, renames, hosts for nodes behind) and the
// pusher (the hosts entries to every node). Both sleep until something changes or the
// next name falls silent; nothing is polled.
#include "core/log/log.hpp"
#include "provisioner/name_keeper.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.names"};

constexpr std::int64_t kHostsRecheckMs = 60000;  // a node still behind is sent again after
// A heartbeat this long after a push that still shows an older version missed it; one
// sent sooner may have crossed the push on the wire.
constexpr std::int64_t kPushSettleMs = 1000;
constexpr std::int64_t kIdleWakeMs = 3600000;  // nothing due: look again in an hour

}  // namespace

NameKeeper::~NameKeeper() {
  if (ledger_ != nullptr) ledger_->close();  // its watcher calls into this keeper
  stop();
}

void NameKeeper::start() {
  Lock lock(mutex_);
  if (!threads_.empty() || stopping_) return;
  threads_.emplace_back([this] { courierLoop(); });
  threads_.emplace_back([this] { pusherLoop(); });
  if (ledger_ != nullptr) threads_.emplace_back([this] { ledgerLoop(); });
}

void NameKeeper::stop() {
  {
    Lock lock(mutex_);
    stopping_ = true;
  }
  {
    std::lock_guard lock(inboxMutex_);
    inboxStopping_ = true;
  }
  inboxWake_.notify_all();
  courierWake_.notify_all();
  pusherWake_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

// ---- the courier --------------------------------------------------------------------

void NameKeeper::courierLoop() {
  Lock lock(mutex_);
  while (!stopping_) {
    courierRound(lock);
    if (stopping_) break;
    std::int64_t now = clock_();
    courierWake_.wait_for(
        lock, std::chrono::milliseconds(std::max<std::int64_t>(1, nextWake(now) - now)));
  }
}

void NameKeeper::courierRound(Lock& lock) {
  drainLedger();
  std::int64_t now = clock_();
  std::int64_t after = options_.releaseAfter.count();
  naming::Outcome silent = change(
      [&](naming::NameTable& table) { return table.releaseSilent(now, after); }, "silence", now);
  if (!silent.ok()) logger()->warn("silent names not released: {}", silent.error);
  if (silent.ok() && !silent.changes.empty()) {
    lock.unlock();
    try {
      store_.sync();
    } catch (const StoreError& e) {
      logger()->error("released names not persisted: {}", e.what());
    }
    lock.lock();
  }
  // One rename at a time: each reply changes what the next may be.
  for (int i = 0; i < 1000 && !stopping_; ++i) {
    auto rename = nextRename(clock_());
    if (!rename) break;
    sendRename(*rename, lock);
  }
  if (!stopping_) sendStaleHosts(lock);
}

// The name a live node other than `except` says it holds now, or "".
std::string NameKeeper::reportedHolder(const std::string& name, const std::string& except,
                                       std::int64_t now) const {
  for (const auto& [node, reported] : reported_) {
    if (node != except && reported == name && live(node, now)) return node;
  }
  return "";
}

// The next node to tell its name: one whose name no other live node still reports. When
// every such node waits for another (a promotion's swap), one of them drops its name
// first, so no two live nodes ever report the same name.
std::optional<NameKeeper::Rename> NameKeeper::nextRename(std::int64_t now) const {
  std::optional<Rename> blocked;
  for (const auto& [node, reported] : reported_) {
    if (telling_.count(node) || !live(node, now)) continue;
    auto retry = retryAt_.find(node);
    if (retry != retryAt_.end() && retry->second > now) continue;
    const naming::Holding* held = table_.byNode(node);
    std::string wanted = held && !held->reserved ? held->name : "";
    if (wanted == reported) {
      // Same name, other aliases (one moved to another node): no order to keep.
      if (aliasesAsWanted(node, held)) continue;
      return Rename{node, wanted};
    }
    if (wanted.empty() || reportedHolder(wanted, node, now).empty()) return Rename{node, wanted};
    if (!blocked && !reportedHolder(reported, "", now).empty() && table_.byName(reported) &&
        table_.byName(reported)->node != node) {
      blocked = Rename{node, ""};  // its own name is wanted by another: step aside
    }
  }
  return blocked;
}

void NameKeeper::sendRename(const Rename& rename, Lock& lock) {
  const naming::Holding* held = rename.name.empty() ? nullptr : table_.byName(rename.name);
  Json args{{"name", rename.name},
            {"fqdn", rename.name.empty() ? "" : naming::fqdnOf(rename.name, options_.domain)},
            {"aliases", held ? Json(held->aliases) : Json::array()}};
  CallRequest request{"naming", "set_name", args, {rename.node}, options_.callTimeout};
  lock.unlock();
  CallReply reply = executor_.call(request).front();
  lock.lock();
  if (reply.replied && reply.status.ok()) {
    reported_[rename.node] = rename.name;
    reportedAliases_[rename.node] = args["aliases"].get<std::vector<std::string>>();
    std::sort(reportedAliases_[rename.node].begin(), reportedAliases_[rename.node].end());
    noteReply(rename.node, reply.data);
    retryAt_.erase(rename.node);
    logger()->info("node={} now holds {}", rename.node,
                   rename.name.empty() ? "no name (for a swap)" : rename.name);
    return;
  }
  retryAt_[rename.node] = clock_() + options_.retryAfter.count();
  logger()->warn("node={}: set_name {} not done: {}", rename.node, rename.name, describe(reply));
}

// Nodes whose registration, sent well after the last push, shows an older hosts
// version get the entries directly, in one call (they were away during the push, or
// are new). A push itself is never followed by direct sends to everyone.
void NameKeeper::sendStaleHosts(Lock& lock) {
  std::int64_t now = clock_();
  std::vector<std::string> behind;
  for (const auto& [node, version] : hostsOf_) {
    if (version >= pushedVersion_ || !live(node, now)) continue;
    if (lastSeen_[node] <= pushedAtMs_ + kPushSettleMs) continue;
    auto sent = hostsSent_.find(node);
    if (sent != hostsSent_.end() && sent->second.version >= pushedVersion_ &&
        now - sent->second.atMs < kHostsRecheckMs)
      continue;
    behind.push_back(node);
  }
  if (behind.empty()) return;
  for (const auto& node : behind) hostsSent_[node] = Sent{pushedVersion_, now};
  CallRequest request{"naming", "update_hosts", hostsRequestArgs(), behind, options_.callTimeout};
  lock.unlock();
  auto replies = executor_.call(request);
  lock.lock();
  std::size_t ok = 0;
  for (const auto& reply : replies) {
    if (!reply.replied || !reply.status.ok()) continue;
    ++ok;
    hostsOf_[reply.node] = std::max(hostsOf_[reply.node], reply.data.value("version", 0L));
  }
  logger()->debug("hosts entries sent to {} node(s) behind, {} applied", behind.size(), ok);
}

// The courier's next look: the next name to fall silent, a node's retry time.
std::int64_t NameKeeper::nextWake(std::int64_t now) const {
  std::int64_t wake = now + kIdleWakeMs;
  for (const auto& h : table_.list()) {
    if (!h.node.empty() && !h.reserved)
      wake = std::min(wake, h.lastSeenMs + options_.releaseAfter.count() + 1);
  }
  for (const auto& [node, at] : retryAt_) {
    if (at > now) wake = std::min(wake, at);
  }
  return wake;
}

// ---- the pusher ---------------------------------------------------------------------

Json NameKeeper::hostsRequestArgs() const {
  Json entries = Json::array();
  for (const auto& e : entries_) entries.push_back({{"address", e.address}, {"names", e.names}});
  return Json{{"version", hostsVersion_}, {"domain", options_.domain}, {"entries", entries}};
}

void NameKeeper::pusherLoop() {
  Lock lock(mutex_);
  while (!stopping_) {
    pusherWake_.wait(lock, [&] { return stopping_ || pushedVersion_ < hostsVersion_; });
    if (stopping_) break;
    if (util::SteadyClock::now() < nextPush_) {  // coalesce a burst of changes into one push
      pusherWake_.wait_until(lock, nextPush_, [&] { return stopping_; });
      continue;
    }
    std::int64_t version = hostsVersion_;
    CallRequest request{"naming", "update_hosts", hostsRequestArgs(), {}, options_.pushTimeout};
    pushedVersion_ = version;
    nextPush_ = util::SteadyClock::now() + options_.pushInterval;
    std::size_t replies = 0;
    if (broadcaster_) {
      lock.unlock();
      replies = broadcaster_->broadcast(request);
      lock.lock();
    }
    pushedAtMs_ = clock_();
    logger()->info("hosts version {} pushed: {} node(s) answered within {} ms", version, replies,
                   options_.pushTimeout.count());
  }
}

}  // namespace drover::provisioner
