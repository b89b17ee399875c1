// NameKeeper: the table, its persistence, registrations and operator commands. The
// threads that tell nodes (renames, hosts) are in name_courier.cpp.
#include "provisioner/name_keeper.hpp"

#include <algorithm>

#include "core/log/log.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.names"};

std::string describe(const naming::Change& c) {
  std::string out = naming::toString(c.kind) + " " + c.name;
  if (!c.node.empty()) out += " -> " + c.node;
  if (!c.previousNode.empty()) out += " (was " + c.previousNode + ")";
  if (!c.previousName.empty()) out += " (was " + c.previousName + ")";
  if (!c.detail.empty()) out += ": " + c.detail;
  return out;
}

std::vector<naming::Holding> loaded(Store& store, std::int64_t now) {
  auto holdings = store.loadHoldings();
  for (auto& h : holdings) h.lastSeenMs = std::max(h.lastSeenMs, now);
  return holdings;
}

}  // namespace

NameKeeper::NameKeeper(NamingOptions options, Store& store, StepExecutor& executor,
                       Broadcaster* broadcaster, Clock clock, KvNameLedger* ledger)
    : options_(std::move(options)),
      store_(store),
      executor_(executor),
      broadcaster_(broadcaster),
      clock_(std::move(clock)),
      ledger_(ledger) {
  Lock lock(mutex_);  // the ledger's watcher may call in before this ends
  std::int64_t now = clock_();
  startedMs_ = now;
  if (ledger_ != nullptr) {
    auto names = ledger_->open([this](const KvNameLedger::Entry& e) { fromLedger(e); });
    for (const auto& entry : names) takeShared(entry);
    rebuildFromShared();
  } else {
    try {
      table_ = naming::NameTable(loaded(store_, now));
    } catch (const std::invalid_argument& e) {
      throw StoreError("state database " + store_.file().string() + ": names: " + e.what());
    }
  }
  std::string version = store_.meta("hosts_version");
  hostsVersion_ = version.empty() ? 0 : std::stoll(version);
  entries_ = table_.hostsEntries(options_.domain);
  pushedVersion_ = 0;  // every node hears the table once after a start
  if (hostsVersion_ == 0 && !entries_.empty()) hostsVersion_ = 1;
  for (const auto& h : table_.list()) {
    if (!h.node.empty() && !h.reserved) lastSeen_[h.node] = now;
  }
}

NameAssigner::Given NameKeeper::assign(const std::string& node, const Json& declaration,
                                       const Json& facts) {
  Given given;
  {
    Lock lock(mutex_);
    std::int64_t now = clock_();
    naming::Declaration wanted;
    try {
      wanted = naming::declarationFrom(declaration);
    } catch (const std::invalid_argument& e) {
      given.error = "naming declaration of " + node + ": " + e.what();
      return given;
    }
    std::string address = addressOf(facts);
    naming::Outcome outcome =
        change([&](naming::NameTable& table) { return table.assign(node, wanted, address, now); },
               "flow", now);
    if (!outcome.ok()) {
      given.error = outcome.error;
      return given;
    }
    const naming::Holding* held = table_.byNode(node);
    given.name = held->name;
    given.fqdn = naming::fqdnOf(held->name, options_.domain);
    given.aliases = held->aliases;
    lastSeen_[node] = now;
    telling_.insert(node);
  }
  try {
    store_.sync();  // on disk before the node hears of it
  } catch (const StoreError& e) {
    told(node, nullptr);
    return Given{"", "", {}, std::string("name not persisted: ") + e.what()};
  }
  return given;
}

void NameKeeper::told(const std::string& node, const Json& reply) {
  {
    Lock lock(mutex_);
    telling_.erase(node);
    noteReply(node, reply);
  }
  courierWake_.notify_all();
}

// What a node's set_name reply (or registration) says it holds now.
void NameKeeper::noteReply(const std::string& node, const Json& reply) {
  if (!reply.is_object()) return;
  if (reply.contains("name") && reply["name"].is_string()) reported_[node] = reply["name"];
  for (const char* key : {"aliases", "held_aliases"}) {
    auto it = reply.find(key);
    if (it == reply.end() || !it->is_array()) continue;
    std::vector<std::string> aliases;
    for (const auto& alias : *it) {
      if (alias.is_string()) aliases.push_back(alias);
    }
    std::sort(aliases.begin(), aliases.end());
    reportedAliases_[node] = std::move(aliases);
  }
}

bool NameKeeper::aliasesAsWanted(const std::string& node, const naming::Holding* held) const {
  auto it = reportedAliases_.find(node);
  if (it == reportedAliases_.end()) return true;
  std::vector<std::string> wanted =
      held && !held->reserved ? held->aliases : std::vector<std::string>{};
  std::sort(wanted.begin(), wanted.end());
  return it->second == wanted;
}

std::optional<NameAssigner::Given> NameKeeper::nameOf(const std::string& node) const {
  Lock lock(mutex_);
  const naming::Holding* held = table_.byNode(node);
  if (!held || held->reserved) return std::nullopt;
  return Given{held->name, naming::fqdnOf(held->name, options_.domain), held->aliases, ""};
}

void NameKeeper::observe(const Registration& registration) {
  const std::string& node = registration.identity;
  Lock lock(mutex_);
  std::int64_t now = clock_();
  const naming::Holding* held = table_.byNode(node);
  if (!registration.naming.is_object() && !held) return;  // no part in naming
  bool wasLive = live(node, now);
  lastSeen_[node] = now;
  if (table_.seen(node, addressOf(registration.facts), now)) hostsMayHaveChanged();
  const Json& said = registration.naming;
  if (!said.is_object()) return;
  std::string reported = said.value("name", "");
  reported_[node] = reported;
  noteReply(node, said);
  std::int64_t hosts = said.value("hosts_version", std::int64_t{0});
  hostsOf_[node] = hosts;
  // A live node whose name was just released is told to drop it (the courier); one
  // that was away comes back to a name.
  if (!held && !wasLive && !reported.empty() && !telling_.count(node))
    returning(registration, reported, now);
  held = table_.byNode(node);
  std::string wanted = held && !held->reserved ? held->name : "";
  // Heartbeats of nodes that are as they should be wake nobody.
  if (reported != wanted || !aliasesAsWanted(node, held) || hosts < pushedVersion_ || !wasLive)
    courierWake_.notify_all();
}

// A node reporting a name it no longer holds (released while it was away) is named
// again by the same rules, by the service it declares or the one its old name says.
void NameKeeper::returning(const Registration& registration, const std::string& reported,
                           std::int64_t now) {
  const std::string& node = registration.identity;
  Json declaration = registration.naming;
  if (!declaration.contains("service") || declaration["service"] == "") {
    auto parsed = naming::parseName(reported);
    if (!parsed) return;  // not a name we give: left alone
    declaration = {{"service", parsed->service},
                   {"type", naming::toString(parsed->type)},
                   {"aliases", Json::array()}};
  }
  naming::Declaration wanted;
  try {
    wanted =
        naming::declarationFrom(Json{{"service", declaration["service"]},
                                     {"type", declaration.value("type", "iterative")},
                                     {"aliases", declaration.value("aliases", Json::array())}});
  } catch (const std::invalid_argument& e) {
    logger()->warn("node={} reports name {} but declares no usable service: {}", node, reported,
                   e.what());
    return;
  }
  std::string address = addressOf(registration.facts);
  naming::Outcome outcome =
      change([&](naming::NameTable& table) { return table.assign(node, wanted, address, now); },
             "return", now);
  if (!outcome.ok()) {
    logger()->warn("node={} came back as {} and cannot be named again: {}", node, reported,
                   outcome.error);
    return;
  }
  logger()->info("node={} came back reporting {}: named again", node, reported);
}

std::string NameKeeper::addressOf(const Json& facts) const {
  if (!facts.is_object()) return "";
  auto it = facts.find(options_.addressFact);
  return it != facts.end() && it->is_string() ? it->get<std::string>() : "";
}

// Every change is queued for the store (holdings and history) under the lock, so the
// store sees them in the table's order; callers sync before anyone is told.
void NameKeeper::commit(const naming::Outcome& outcome, const std::string& by, std::int64_t now) {
  for (const auto& c : outcome.changes) {
    logger()->info("name {} (by {})", describe(c), by);
    store_.putNameHistory(NameHistoryRow{now, c, by});
  }
  for (const auto& name : touchedBy(outcome, table_)) persistName(name);
  hostsMayHaveChanged();
  courierWake_.notify_all();
}

// The names whose holdings `outcome` changed, as they are in `table` afterwards.
std::set<std::string> NameKeeper::touchedBy(const naming::Outcome& outcome,
                                            const naming::NameTable& table) const {
  std::set<std::string> touched;
  for (const auto& c : outcome.changes) {
    touched.insert(c.name);
    if (!c.previousName.empty()) touched.insert(c.previousName);
    for (const auto* node : {&c.node, &c.previousNode}) {
      if (const naming::Holding* h = node->empty() ? nullptr : table.byNode(*node))
        touched.insert(h->name);
    }
  }
  return touched;
}

naming::Outcome NameKeeper::change(const Operation& op, const std::string& by, std::int64_t now) {
  if (ledger_ != nullptr) return changeShared(op, by, now);
  naming::Outcome outcome = op(table_);  // a refused operation changes nothing
  if (outcome.ok() && !outcome.changes.empty()) commit(outcome, by, now);
  return outcome;
}

void NameKeeper::persistName(const std::string& name) {
  if (const naming::Holding* h = table_.byName(name)) return store_.putHolding(*h);
  if (table_.byAlias(name)) return;  // an alias: its holder's row was written
  store_.dropHolding(name);
}

void NameKeeper::hostsMayHaveChanged() {
  auto entries = table_.hostsEntries(options_.domain);
  if (entries == entries_) return;
  entries_ = std::move(entries);
  ++hostsVersion_;
  // Shared names: every provisioner counts from the ledger's revision, so the versions
  // nodes report mean the same to all of them.
  hostsVersion_ = std::max(hostsVersion_, static_cast<std::int64_t>(ledgerRevision_));
  store_.putMeta("hosts_version", std::to_string(hostsVersion_));
  pusherWake_.notify_all();
}

NameKeeper::Result NameKeeper::operatorCommand(
    const std::string& by, bool dryRun,
    const std::function<naming::Outcome(naming::NameTable&)>& op) {
  Result result;
  {
    Lock lock(mutex_);
    std::int64_t now = clock_();
    naming::Outcome outcome;
    if (dryRun) {
      naming::NameTable copy = table_;
      outcome = op(copy);
    } else {
      outcome = change(op, by, now);
    }
    result.changes = outcome.changes;
    result.error = outcome.error;
    if (!outcome.ok() || dryRun) return result;
    result.applied = true;
  }
  store_.sync();  // StoreError reaches the caller: the command's reply says it
  return result;
}

NameKeeper::Result NameKeeper::release(const std::string& name, const std::string& by,
                                       bool dryRun) {
  std::int64_t now = clock_();
  return operatorCommand(by, dryRun,
                         [&](naming::NameTable& table) { return table.release(name, now); });
}

NameKeeper::Result NameKeeper::promote(const std::string& nodeOrName, const std::string& by,
                                       bool dryRun) {
  std::int64_t now = clock_();
  std::int64_t after = options_.releaseAfter.count();
  return operatorCommand(
      by, dryRun, [&](naming::NameTable& table) { return table.promote(nodeOrName, now, after); });
}

NameKeeper::Result NameKeeper::reserve(const std::string& name, const std::string& node,
                                       const std::string& by, bool dryRun) {
  std::int64_t now = clock_();
  return operatorCommand(by, dryRun,
                         [&](naming::NameTable& table) { return table.reserve(name, node, now); });
}

Json NameKeeper::holdingJson(const naming::Holding& holding, std::int64_t now) const {
  Json out = naming::toJson(holding);
  out["fqdn"] = naming::fqdnOf(holding.name, options_.domain);
  out["live"] = !holding.node.empty() && live(holding.node, now);
  auto it = reported_.find(holding.node);
  if (it != reported_.end()) out["reported"] = it->second;
  return out;
}

Json NameKeeper::list(const std::string& service) const {
  Lock lock(mutex_);
  std::int64_t now = clock_();
  Json names = Json::array();
  for (const auto& h : table_.list(service)) names.push_back(holdingJson(h, now));
  return Json{{"names", names}, {"domain", options_.domain}, {"hosts_version", hostsVersion_}};
}

std::optional<Json> NameKeeper::show(const std::string& key, std::size_t limit) const {
  Json holding;
  {
    Lock lock(mutex_);
    const naming::Holding* h = table_.byName(key);
    if (!h) h = table_.byAlias(key);
    if (!h) h = table_.byNode(key);
    if (h) holding = holdingJson(*h, clock_());
  }
  Json history = Json::array();
  for (const auto& row : store_.nameHistory(key, limit)) history.push_back(toJson(row));
  if (holding.is_null() && history.empty()) return std::nullopt;
  return Json{{"holding", holding}, {"history", history}};
}

std::int64_t NameKeeper::hostsVersion() const {
  Lock lock(mutex_);
  return hostsVersion_;
}

bool NameKeeper::live(const std::string& node, std::int64_t now) const {
  auto it = lastSeen_.find(node);
  return it != lastSeen_.end() && it->second > now - options_.releaseAfter.count();
}

}  // namespace drover::provisioner
