// NameKeeper with shared names (naming.ledger: nats): changes written to the ledger
// before they count, the others' changes taken from its watcher.
#include <algorithm>

#include "core/log/log.hpp"
#include "provisioner/name_keeper.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.names"};

// Another provisioner winning the same name again and again is a burst of
// assignments at both; past this many rounds the caller retries later (a flow step
// backs off) rather than holding the table.
constexpr int kRounds = 8;

// Equal as the ledger keeps them (when the node was last seen is each keeper's own).
bool sameShared(const std::optional<naming::Holding>& a, const std::optional<naming::Holding>& b) {
  if (!a || !b) return !a && !b;
  naming::Holding x = *a, y = *b;
  x.lastSeenMs = y.lastSeenMs = 0;
  return x == y;
}

}  // namespace

naming::Outcome NameKeeper::changeShared(const Operation& op, const std::string& by,
                                         std::int64_t now) {
  for (int round = 1;; ++round) {
    drainLedger();
    naming::NameTable next = table_;
    naming::Outcome outcome = op(next);
    if (!outcome.ok() || outcome.changes.empty()) return outcome;
    bool conflict = false;
    try {
      for (const auto& name : touchedBy(outcome, next)) {
        // An alias is written in its holder's entry.
        if (next.byName(name) == nullptr && next.byAlias(name) != nullptr) continue;
        std::optional<naming::Holding> wanted;
        if (const naming::Holding* h = next.byName(name)) wanted = *h;
        Shared& known = shared_[name];
        if (sameShared(known.holding, wanted)) continue;
        KvNameLedger::Entry current;
        auto revision = ledger_->write({name, wanted, known.revision}, &current);
        if (!revision) {
          logger()->debug("name {}: another provisioner changed it first (revision {})", name,
                          current.revision);
          shared_[name] = Shared{current.holding, current.revision};
          conflict = true;
          break;
        }
        known = Shared{wanted, *revision};
        ledgerRevision_ = std::max(ledgerRevision_, *revision);
      }
    } catch (const LedgerError& e) {
      // What was written before stays written: the table follows the ledger.
      rebuildFromShared();
      return naming::Outcome{{}, std::string("names not shared: ") + e.what()};
    }
    if (!conflict) {
      table_ = std::move(next);
      commit(outcome, by, now);
      return outcome;
    }
    rebuildFromShared();
    if (round == kRounds) {
      return naming::Outcome{{},
                             "the shared names changed under this provisioner " +
                                 std::to_string(kRounds) + " times in a row; try again"};
    }
  }
}

bool NameKeeper::takeShared(const KvNameLedger::Entry& entry) {
  Shared& known = shared_[entry.name];
  if (entry.revision != 0 && entry.revision <= known.revision) return false;  // ours, or older
  known = Shared{entry.holding, entry.revision};
  ledgerRevision_ = std::max(ledgerRevision_, entry.revision);
  return true;
}

// The watcher's thread: queued, not applied, so the watcher never waits for a keeper busy
// writing (which drains the queue before each attempt: it decides on the latest it has).
void NameKeeper::fromLedger(const KvNameLedger::Entry& entry) {
  {
    std::lock_guard lock(inboxMutex_);
    inbox_.push_back(entry);
  }
  inboxWake_.notify_all();
}

// Applies what the watcher queued while the keeper is otherwise idle.
void NameKeeper::ledgerLoop() {
  for (;;) {
    {
      std::unique_lock lock(inboxMutex_);
      inboxWake_.wait(lock, [&] { return inboxStopping_ || !inbox_.empty(); });
      if (inboxStopping_) return;
    }
    Lock lock(mutex_);
    drainLedger();
    courierWake_.notify_all();
  }
}

void NameKeeper::drainLedger() {
  if (ledger_ == nullptr) return;
  std::vector<KvNameLedger::Entry> entries;
  {
    std::lock_guard lock(inboxMutex_);
    entries.swap(inbox_);
  }
  std::vector<std::string> changed;
  for (const auto& entry : entries) {
    if (!takeShared(entry)) continue;
    logger()->debug("name {} changed in the ledger (revision {}): {}", entry.name, entry.revision,
                    entry.holding ? entry.holding->node : "free");
    changed.push_back(entry.name);
  }
  if (changed.empty()) return;
  rebuildFromShared();
  for (const auto& name : changed) persistName(name);
  hostsMayHaveChanged();
}

void NameKeeper::rebuildFromShared() {
  std::vector<std::pair<std::uint64_t, naming::Holding>> held;
  for (const auto& [name, known] : shared_) {
    if (known.holding) held.emplace_back(known.revision, *known.holding);
  }
  // Newest first: what the ledger was told last wins a clash (one node under two
  // names after two provisioners named it at once, or a change half written).
  std::sort(held.begin(), held.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  naming::NameTable table;
  std::vector<std::pair<std::string, std::uint64_t>> clashing;
  for (auto& [revision, h] : held) {
    if (const naming::Holding* mine = table_.byName(h.name); mine && mine->node == h.node) {
      if (!mine->address.empty()) h.address = mine->address;
      h.lastSeenMs = mine->lastSeenMs;
    }
    // A node this keeper has not heard yet counts as seen since it was named or since
    // this keeper started, as after a restart.
    h.lastSeenMs = std::max({h.lastSeenMs, h.sinceMs, startedMs_});
    if (auto seen = lastSeen_.find(h.node); seen != lastSeen_.end())
      h.lastSeenMs = std::max(h.lastSeenMs, seen->second);
    std::string name = h.name;
    if (auto problem = table.adopt(std::move(h)); !problem.empty()) {
      logger()->warn("shared name {} (revision {}) {}: freeing it", name, revision, problem);
      clashing.emplace_back(name, revision);
    }
  }
  table_ = std::move(table);
  for (const auto& [name, revision] : clashing) {
    KvNameLedger::Entry current;
    try {
      // Refused: someone changed it meanwhile, and the watcher brings that.
      if (auto written = ledger_->write({name, std::nullopt, revision}, &current))
        shared_[name] = Shared{std::nullopt, *written};
    } catch (const LedgerError& e) {
      logger()->error("shared name {} not freed: {}", name, e.what());
    }
  }
}

}  // namespace drover::provisioner
