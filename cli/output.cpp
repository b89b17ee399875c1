#include "cli/output.hpp"

#include <unistd.h>

#include <ctime>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/context.hpp"
#include "core/ddl/aggregate.hpp"
#include "core/ddl/render.hpp"
#include "core/util/clock.hpp"

namespace drover::cli {
namespace {

std::string millis(std::chrono::microseconds us) {
  double ms = static_cast<double>(us.count()) / 1000.0;
  return ms < 10 ? fmt::format("{:.1f} ms", ms) : fmt::format("{:.0f} ms", ms);
}

std::int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             util::SteadyClock::now().time_since_epoch())
      .count();
}

std::vector<Json> okData(const rpc::CallResult& result) {
  std::vector<Json> data;
  for (const auto& reply : result.replies) {
    if (reply.status.ok()) data.push_back(reply.data);
  }
  return data;
}

// Prints a rendered block with exactly one newline after it.
void printBlock(std::FILE* out, std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty()) std::fprintf(out, "%s\n", text.c_str());
}

}  // namespace

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO) == 1) {}

void ProgressLine::update(std::size_t received, std::size_t expected) {
  if (!enabled_) return;
  auto now = nowUs();
  if (drawn_ && now - lastDrawUs_ < 50000 && received != expected) return;
  lastDrawUs_ = now;
  drawn_ = true;
  if (expected > 0) {
    std::fprintf(stderr, "\r  %zu / %zu replies", received, expected);
  } else {
    std::fprintf(stderr, "\r  %zu replies", received);
  }
  std::fflush(stderr);
}

void ProgressLine::clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

rpc::Progress ProgressLine::callback() {
  return [this](const rpc::NodeReply&, std::size_t received, std::size_t expected) {
    update(received, expected);
  };
}

std::string summaryLine(const rpc::CallResult& result) {
  std::size_t asked = result.expected.empty() ? result.replies.size() : result.expected.size();
  std::string line =
      fmt::format("{} of {} nodes answered, {} ok, {} failed, {} no reply", result.replies.size(),
                  asked, result.okCount(), result.failedCount(), result.noReply.size());
  if (result.lost > 0) line += fmt::format(", {} lost", result.lost);
  if (!result.unmatched.empty()) {
    line += fmt::format(", {} no longer matching", result.unmatched.size());
  }
  return line + ", in " + millis(result.elapsed);
}

void printSummary(std::FILE* out, const rpc::CallResult& result) {
  std::fprintf(out, "\n%s\n", summaryLine(result).c_str());
  for (const auto& reply : result.replies) {
    if (!reply.status.ok()) {
      std::fprintf(out, "  failed: %s: %s\n", reply.sender.c_str(), reply.status.message.c_str());
    }
  }
  if (!result.noReply.empty()) {
    std::fprintf(out, "  no reply: %s\n",
                 fmt::format("{}", fmt::join(result.noReply, ", ")).c_str());
  }
  if (!result.unmatched.empty()) {
    std::fprintf(out, "  no longer matching the filter (ran nothing): %s\n",
                 fmt::format("{}", fmt::join(result.unmatched, ", ")).c_str());
  }
  if (result.lost > 0) {
    std::fprintf(out,
                 "  %llu repl%s lost: the bus dropped %s because this client read too slowly "
                 "(a slow consumer); the nodes that sent %s are not known\n",
                 static_cast<unsigned long long>(result.lost), result.lost == 1 ? "y" : "ies",
                 result.lost == 1 ? "it" : "them", result.lost == 1 ? "it" : "them");
  }
  if (result.reconnected) {
    std::fprintf(out,
                 "  the bus connection was lost and made again during the call: replies sent "
                 "in between may be missing\n");
  }
  if (result.rejected > 0) {
    std::fprintf(out,
                 "  %zu repl%s rejected (not verified, not asked, or not an answer to what was "
                 "sent):\n",
                 result.rejected, result.rejected == 1 ? "y" : "ies");
    for (const auto& why : result.rejections) std::fprintf(out, "    %s\n", why.c_str());
  }
}

void printResults(std::FILE* out, const rpc::CallResult& result, const ddl::Action* action,
                  bool verbose) {
  for (const auto& reply : result.replies) {
    bool ok = reply.status.ok();
    if (!verbose && action != nullptr && !ddl::shouldDisplay(*action, ok)) continue;
    std::fprintf(out, "%-40s %s\n", reply.sender.c_str(),
                 ok ? "ok" : ("failed: " + reply.status.message).c_str());
    if (!ok) continue;
    if (action != nullptr) {
      printBlock(out, ddl::renderReply(*action, reply.data, 4));
    } else {
      std::fprintf(out, "    %s\n",
                   reply.data.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    }
  }
  if (action == nullptr || action->aggregates.empty()) return;
  std::fprintf(out, "\n");
  printBlock(out, ddl::renderSummaries(*action, okData(result)));
}

void printJson(std::FILE* out, const rpc::CallResult& result, const ddl::Action* action) {
  Json replies = Json::array();
  for (const auto& reply : result.replies) {
    replies.push_back({{"sender", reply.sender},
                       {"statuscode", static_cast<int>(reply.status.code)},
                       {"statusmsg", reply.status.ok() ? "OK" : reply.status.message},
                       {"latency_ms", static_cast<double>(reply.latency.count()) / 1000.0},
                       {"data", reply.data}});
  }
  Json aggregates = Json::array();
  if (action != nullptr) {
    auto data = okData(result);
    for (const auto& aggregate : action->aggregates) {
      Json computed = ddl::computeAggregate(aggregate, data);  // names its "output"
      computed["display_as"] = ddl::outputLabel(*action, aggregate.output);
      aggregates.push_back(std::move(computed));
    }
  }
  Json doc{{"request_id", result.requestId},
           {"replies", replies},
           {"aggregates", aggregates},
           {"summary",
            {{"asked", result.expected.empty() ? result.replies.size() : result.expected.size()},
             {"answered", result.replies.size()},
             {"ok", result.okCount()},
             {"failed", result.failedCount()},
             {"no_reply", result.noReply},
             {"unmatched", result.unmatched},
             {"rejected", result.rejected},
             {"lost", result.lost},
             {"reconnected", result.reconnected},
             {"rejections", result.rejections},
             {"elapsed_ms", static_cast<double>(result.elapsed.count()) / 1000.0}}}};
  std::fprintf(out, "%s\n", doc.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
}

int exitCodeFor(const rpc::CallResult& result) {
  bool complete = result.noReply.empty() && result.lost == 0;
  return (result.failedCount() == 0 && complete) ? kExitOk : kExitFailed;
}

std::string timeText(std::int64_t ms) {
  if (ms <= 0) return "-";
  auto seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buffer, ms % 1000);
}

}  // namespace drover::cli
