#include "core/registry/registry.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "core/filter/filter.hpp"

namespace drover::registry {
namespace {

// A registration interval longer than this is taken as this (a node claiming years
// would stay fresh for ever).
constexpr std::int64_t kMaxIntervalMs = 7LL * 24 * 3600 * 1000;

std::vector<std::string> strings(const Json& data, const char* key) {
  std::vector<std::string> out;
  auto it = data.find(key);
  if (it == data.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// Registrations list agent names; an inventory reply lists objects with a name.
std::vector<std::string> agentNames(const Json& data) {
  std::vector<std::string> out;
  auto it = data.find("agents");
  if (it == data.end() || !it->is_array()) return out;
  for (const auto& agent : *it) {
    if (agent.is_string()) {
      out.push_back(agent.get<std::string>());
    } else if (agent.is_object() && agent.contains("name") && agent["name"].is_string()) {
      out.push_back(agent["name"].get<std::string>());
    }
  }
  return out;
}

std::string stringArg(const Json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) return {};
  if (!it->is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
  return it->get<std::string>();
}

}  // namespace

std::optional<Entry> entryFrom(const Json& data, const std::string& sender, std::string& why) {
  if (!data.is_object()) {
    why = "registration data from '" + sender + "' is not an object";
    return std::nullopt;
  }
  Entry entry;
  entry.identity = data.value("identity", sender);
  if (entry.identity != sender) {
    why = "registration from '" + sender + "' speaks for '" + entry.identity + "'";
    return std::nullopt;
  }
  entry.collectives = strings(data, "collectives");
  entry.agents = agentNames(data);
  if (auto it = data.find("facts"); it != data.end() && it->is_object()) entry.facts = *it;
  entry.classes = strings(data, "classes");
  entry.names = strings(data, "names");
  entry.intervalMs = -1;  // not said: the registry's default applies
  if (auto it = data.find("registration_interval_s");
      it != data.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0) {
    entry.intervalMs = std::min(it->get<std::int64_t>(), kMaxIntervalMs / 1000) * 1000;
  }
  if (auto it = data.find("leaving"); it != data.end() && it->is_boolean()) entry.leaving = *it;
  return entry;
}

Registry::Registry(RegistryOptions options) : options_(options) {}

Registry::Outcome Registry::observe(Entry entry, std::int64_t nowMs) {
  if (entry.intervalMs < 0) {
    entry.intervalMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.defaultInterval).count();
  }
  entry.seenMs = nowMs;
  std::unique_lock lock(mutex_);
  auto it = entries_.find(entry.identity);
  if (it != entries_.end() && entry.sentMs < it->second.sentMs) return Outcome::Older;
  if (entry.leaving) {
    if (it != entries_.end()) entries_.erase(it);
    return Outcome::Left;
  }
  if (it != entries_.end()) {
    it->second = std::move(entry);
    return Outcome::Updated;
  }
  if (entries_.size() >= options_.maxNodes) {
    ++refusedFull_;
    return Outcome::Full;
  }
  std::string identity = entry.identity;
  entries_.emplace(std::move(identity), std::move(entry));
  return Outcome::Added;
}

bool Registry::staleAt(const Entry& entry, std::int64_t nowMs) const {
  if (entry.intervalMs == 0) return false;
  return nowMs - entry.seenMs > entry.intervalMs * options_.staleAfterMissed;
}

Found Registry::find(const std::string& filterText, const std::string& collective,
                     const std::string& after, std::int64_t nowMs) const {
  const filter::Filter filter = filter::Filter::parse(filterText);
  Found found;
  std::shared_lock lock(mutex_);
  found.known = entries_.size();
  std::size_t bytes = 0;
  std::string lastIncluded;
  for (auto it = after.empty() ? entries_.begin() : entries_.upper_bound(after);
       it != entries_.end(); ++it) {
    const Entry& entry = it->second;
    if (std::find(entry.collectives.begin(), entry.collectives.end(), collective) ==
        entry.collectives.end()) {
      continue;
    }
    if (!filter.matches({entry.facts, entry.classes, entry.agents, entry.identity, entry.names})) {
      continue;
    }
    if (!lastIncluded.empty() && bytes + entry.identity.size() > kPageBytes) {
      found.next = lastIncluded;
      break;
    }
    bytes += entry.identity.size() + 16;  // the identity and its share of the encoding
    if (staleAt(entry, nowMs)) {
      found.stale.push_back({entry.identity, entry.seenMs});
    } else {
      found.nodes.push_back(entry.identity);
    }
    lastIncluded = entry.identity;
  }
  return found;
}

std::size_t Registry::prune(std::int64_t nowMs) {
  const std::int64_t forgetMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.forgetAfter).count();
  std::unique_lock lock(mutex_);
  return std::erase_if(entries_, [&](const auto& item) {
    const Entry& entry = item.second;
    return staleAt(entry, nowMs) &&
           nowMs - entry.seenMs > entry.intervalMs * options_.staleAfterMissed + forgetMs;
  });
}

Json Registry::answer(const Json& args, const std::string& collective, std::int64_t nowMs) const {
  if (!args.is_object()) throw std::invalid_argument("arguments must be an object");
  Found found = find(stringArg(args, "filter"), collective, stringArg(args, "after"), nowMs);
  Json stale = Json::array();
  for (const auto& node : found.stale) {
    stale.push_back({{"identity", node.identity}, {"last_seen_ms", node.lastSeenMs}});
  }
  Json data{{"nodes", std::move(found.nodes)}, {"stale", std::move(stale)}, {"known", found.known}};
  if (!found.next.empty()) data["next"] = found.next;
  return data;
}

Registry::Counts Registry::counts(std::int64_t nowMs) const {
  Counts counts;
  std::shared_lock lock(mutex_);
  for (const auto& [identity, entry] : entries_) {
    (staleAt(entry, nowMs) ? counts.stale : counts.fresh) += 1;
  }
  counts.refusedFull = refusedFull_;
  return counts;
}

const char* toString(Registry::Outcome outcome) {
  switch (outcome) {
    case Registry::Outcome::Added: return "added";
    case Registry::Outcome::Updated: return "updated";
    case Registry::Outcome::Older: return "older than the one held: ignored";
    case Registry::Outcome::Left: return "left";
    case Registry::Outcome::Full: return "refused: registry.max_nodes reached";
  }
  return "?";
}

}  // namespace drover::registry
