#include "cli/commands/name_text.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cli/output.hpp"

namespace drover::cli {
namespace {

std::string field(const Json& object, const char* key) { return fieldText(object, key); }

std::string orDash(std::string text) { return text.empty() ? "-" : text; }

std::int64_t msField(const Json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

bool flag(const Json& object, const char* key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::string aliasesOf(const Json& holding) {
  std::string text;
  auto it = holding.find("aliases");
  if (it == holding.end() || !it->is_array()) return "";
  for (const auto& alias : *it) {
    if (alias.is_string()) text += (text.empty() ? "" : ",") + alias.get<std::string>();
  }
  return text;
}

std::string nodeOf(const Json& holding) {
  std::string node = field(holding, "node");
  if (!flag(holding, "reserved")) return orDash(node);
  return node.empty() ? "(reserved)" : node + " (reserved)";
}

std::string liveOf(const Json& holding) {
  if (field(holding, "node").empty()) return "-";
  return flag(holding, "live") ? "yes" : "no";
}

// "db-slave-1 (node-4)", "db-slave-1", "node-4" or "-".
std::string fromOf(const Json& row) {
  std::string name = field(row, "previous_name"), node = field(row, "previous_node");
  if (!name.empty() && !node.empty()) return name + " (" + node + ")";
  return orDash(name.empty() ? node : name);
}

// The holder a change speaks of: the node that holds the name now, else the one before.
std::string holderOf(const Json& change) {
  std::string node = field(change, "node");
  return node.empty() ? field(change, "previous_node") : node;
}

// The change's sentence; an infinitive for a dry run, which changeLine makes "would ...".
std::string sentence(const Json& c, bool dryRun) {
  auto verb = [dryRun](const char* now, const char* done) { return dryRun ? now : done; };
  const std::string kind = field(c, "kind"), name = field(c, "name"), node = field(c, "node");
  const std::string was = field(c, "previous_name"), before = field(c, "previous_node");
  if (kind == "assigned") return fmt::format("{} {} to {}", verb("assign", "assigned"), name, node);
  if (kind == "released") {
    return fmt::format("{} {}{}", verb("release", "released"), name,
                       before.empty() ? "" : " (held by " + before + ")");
  }
  if (kind == "reserved") {
    return fmt::format("{} {}{}", verb("reserve", "reserved"), name,
                       node.empty() ? " for the next node of its service" : " for " + node);
  }
  if (kind == "renamed") {
    return fmt::format("{} {} ({}) to {}", verb("rename", "renamed"), orDash(was), node, name);
  }
  if (kind == "promoted") {
    return fmt::format("{} {} from {} to {}", verb("promote", "promoted"), node, orDash(was), name);
  }
  if (kind == "alias_moved") {
    return fmt::format("{} alias {} from {} to {}", verb("move", "moved"), name, orDash(before),
                       node);
  }
  if (kind == "alias_added")
    return fmt::format("{} alias {} to {}", verb("add", "added"), name, node);
  if (kind == "alias_removed") {
    return fmt::format("{} alias {} from {}", verb("remove", "removed"), name, holderOf(c));
  }
  return fmt::format("{} {} ({})", orDash(kind), name, holderOf(c));
}

}  // namespace

std::string fieldText(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
    }
    line.erase(line.find_last_not_of(' ') + 1);  // an empty last cell leaves no padding
    out += line + "\n";
  }
  return out;
}

std::string holdingsTable(const Json& holdings) {
  std::vector<std::vector<std::string>> rows{
      {"NAME", "NODE", "ADDRESS", "ALIASES", "SINCE", "LIVE"}};
  for (const auto& h : holdings.is_array() ? holdings : Json::array()) {
    rows.push_back({orDash(field(h, "name")), nodeOf(h), orDash(field(h, "address")),
                    orDash(aliasesOf(h)), timeText(msField(h, "since_ms")), liveOf(h)});
  }
  return columns(rows);
}

std::string holdingText(const Json& h) {
  std::string type = field(h, "type");
  std::string service = orDash(field(h, "service")) + (type.empty() ? "" : " (" + type + ")");
  return columns({{"name:", orDash(field(h, "name"))},
                  {"service:", service},
                  {"node:", nodeOf(h)},
                  {"live:", liveOf(h)},
                  {"fqdn:", orDash(field(h, "fqdn"))},
                  {"address:", orDash(field(h, "address"))},
                  {"aliases:", orDash(aliasesOf(h))},
                  {"since:", timeText(msField(h, "since_ms"))},
                  {"last seen:", timeText(msField(h, "last_seen_ms"))}});
}

std::string historyTable(const Json& history) {
  std::vector<std::vector<std::string>> rows{
      {"AT", "KIND", "NAME", "NODE", "FROM", "BY", "DETAIL"}};
  for (const auto& row : history.is_array() ? history : Json::array()) {
    rows.push_back({timeText(msField(row, "at_ms")), orDash(field(row, "kind")),
                    orDash(field(row, "name")), orDash(field(row, "node")), fromOf(row),
                    orDash(field(row, "by")), field(row, "detail")});
  }
  return columns(rows);
}

std::string changeLine(const Json& change, bool dryRun) {
  std::string line = (dryRun ? "would " : "") + sentence(change, dryRun);
  std::string detail = field(change, "detail");
  return detail.empty() ? line : line + "; " + detail;
}

}  // namespace drover::cli
