#include "cli/commands/deploy_text.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "cli/commands/name_text.hpp"

namespace drover::cli {
namespace {

std::string field(const Json& object, const char* key) { return fieldText(object, key); }

std::string orDash(const std::string& text) { return text.empty() ? "-" : text; }

const Json& listOf(const Json& object, const char* key) {
  static const Json kEmpty = Json::array();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

std::string joined(const Json& list) {
  std::string text;
  for (const auto& item : list) {
    text += (text.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
  }
  return text;
}

bool failed(const Json& member) { return field(member, "state") == "failed"; }

// "provisioning (flow: running at assign_name)": the state, then the step when it says
// more ("done", not "done (done)").
std::string stepOf(const Json& member) {
  const std::string state = field(member, "state"), step = field(member, "step");
  if (step.empty() || step == state) return orDash(state);
  return state.empty() ? step : state + " (" + step + ")";
}

// The stage record a failed member stopped at: the newest with a non-zero exit code.
const Json* failedStage(const Json& member) {
  const Json& stages = listOf(member, "stages");
  for (auto it = stages.rbegin(); it != stages.rend(); ++it) {
    if (it->value("exit_code", 0) != 0) return &*it;
  }
  return nullptr;
}

std::string stageResult(const Json& stage) {
  return fmt::format("stage {} exit {} in {} ms", orDash(field(stage, "stage")),
                     orDash(field(stage, "exit_code")), orDash(field(stage, "duration_ms")));
}

// The last column of the table: what the member waits for, or why it failed.
std::string waitingCell(const Json& member) {
  if (!failed(member)) return orDash(joined(listOf(member, "waiting_for")));
  if (const Json* stage = failedStage(member)) {
    return fmt::format("failed: stage {} exit {}", field(*stage, "stage"),
                       field(*stage, "exit_code"));
  }
  return "failed: " + orDash(field(member, "error"));
}

std::string indented(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += "    " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

std::map<std::string, std::string> linesByIdentity(const Json& status) {
  std::map<std::string, std::string> lines;
  for (const auto& member : listOf(status, "members")) {
    lines[field(member, "identity")] = memberLine(member);
  }
  return lines;
}

}  // namespace

std::string memberLine(const Json& member) {
  std::string line = fmt::format("{} {}: {}", orDash(field(member, "identity")),
                                 orDash(field(member, "name")), stepOf(member));
  const Json& waiting = listOf(member, "waiting_for");
  if (!waiting.empty()) line += "; waiting for " + joined(waiting);
  const Json& stages = listOf(member, "stages");
  if (!stages.empty()) line += "; " + stageResult(stages.back());
  if (std::string error = field(member, "error"); !error.empty()) line += "; error: " + error;
  return line;
}

std::vector<std::string> progressLines(const Json& before, const Json& after) {
  auto old = linesByIdentity(before), now = linesByIdentity(after);
  std::vector<std::string> lines;
  for (const auto& member : listOf(after, "members")) {
    const std::string identity = field(member, "identity");
    auto it = old.find(identity);
    if (it == old.end() || it->second != now[identity]) lines.push_back(now[identity]);
  }
  for (const auto& [identity, line] : old) {
    if (!now.count(identity)) lines.push_back(orDash(identity) + ": gone");
  }
  return lines;
}

std::string statusTable(const Json& members) {
  std::vector<std::vector<std::string>> rows{{"MEMBER", "NAME", "ADDRESS", "STEP", "WAITING FOR"}};
  for (const auto& m : members.is_array() ? members : Json::array()) {
    rows.push_back({orDash(field(m, "identity")), orDash(field(m, "name")),
                    orDash(field(m, "address")), stepOf(m), waitingCell(m)});
  }
  return columns(rows);
}

std::string failureText(const Json& member) {
  std::string who =
      fmt::format("{} ({})", orDash(field(member, "identity")), orDash(field(member, "name")));
  const Json* stage = failedStage(member);
  if (stage == nullptr) return fmt::format("{} failed: {}\n", who, orDash(field(member, "error")));
  std::string tail = field(*stage, "output_tail");
  return fmt::format("{} failed: {}; output tail:\n{}", who, stageResult(*stage),
                     tail.empty() ? "    (no output)\n" : indented(tail));
}

std::string statusText(const Json& status) {
  const Json& members = listOf(status, "members");
  std::string text = fmt::format("deployment {}: {}, {} member(s)\n", orDash(field(status, "name")),
                                 orDash(field(status, "state")), members.size());
  text += statusTable(members);
  for (const auto& member : members) {
    if (failed(member)) text += "\n" + failureText(member);
  }
  return text;
}

std::string listTable(const Json& deployments) {
  std::vector<std::vector<std::string>> rows{{"NAME", "STATE", "MEMBERS", "DONE"}};
  for (const auto& d : deployments.is_array() ? deployments : Json::array()) {
    rows.push_back({orDash(field(d, "name")), orDash(field(d, "state")),
                    orDash(field(d, "members")), orDash(field(d, "done"))});
  }
  return columns(rows);
}

std::string upText(const Json& reply) {
  const Json& launched = listOf(reply, "launched");
  const Json& stopping = listOf(reply, "stopping");
  std::string text =
      fmt::format("deployment {}: {} member(s); launched {}", orDash(field(reply, "deployment")),
                  orDash(field(reply, "members")), launched.size());
  if (!launched.empty()) text += ": " + joined(launched);
  text += fmt::format("; stopping {}", stopping.size());
  if (!stopping.empty()) text += ": " + joined(stopping);
  return text;
}

std::string downText(const Json& reply) {
  const Json& stopped = listOf(reply, "stopped");
  const Json& released = listOf(reply, "released");
  return fmt::format("stopped {}{}; released {}{}", stopped.size(),
                     stopped.empty() ? "" : ": " + joined(stopped), released.size(),
                     released.empty() ? "" : ": " + joined(released));
}

std::optional<int> outcomeOf(const Json& status) {
  const std::string state = field(status, "state");
  const Json& members = listOf(status, "members");
  bool anyFailed = std::any_of(members.begin(), members.end(), failed);
  if (state == "failed" || anyFailed) return 1;
  if (state == "done") return 0;
  return std::nullopt;
}

}  // namespace drover::cli
