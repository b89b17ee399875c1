#pragma once
// How `drover` shows results: a progress line on a terminal while replies arrive,
// per-node results rendered from the DDL, aggregates, and the closing summary that
// names every node that failed or stayed silent.
#include <cstdio>
#include <string>

#include "core/ddl/ddl.hpp"
#include "core/rpc/client.hpp"

namespace drover::cli {

/// Redraws "  342 / 1000 replies" on stderr, at most every 50 ms, when stderr is a
/// terminal and not disabled; clear() erases it before results are printed.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled);
  void update(std::size_t received, std::size_t expected);
  void clear();
  rpc::Progress callback();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::int64_t lastDrawUs_ = 0;
};

/// "12 of 12 nodes answered, 11 ok, 1 failed, 0 no reply, in 14 ms"
std::string summaryLine(const rpc::CallResult& result);

/// The summary plus one line per failed node (with its message) and the silent nodes.
void printSummary(std::FILE* out, const rpc::CallResult& result);

/// Per-node results honouring the DDL display policy (all of them with verbose),
/// then the action's aggregates, one "Summary of <display_as>:" block per output
/// (ddl::renderSummaries). `action` may be null (no DDL): data shown as JSON.
void printResults(std::FILE* out, const rpc::CallResult& result, const ddl::Action* action,
                  bool verbose);

/// The whole result as one JSON document (replies, aggregates, summary). Each aggregate
/// names the output it summarises: "output" and its "display_as".
void printJson(std::FILE* out, const rpc::CallResult& result, const ddl::Action* action);

/// A time in Unix milliseconds as "2026-12-05T01:02:03.004Z" (UTC); "-" for 0 or less.
std::string timeText(std::int64_t ms);

/// kExitOk when every expected node answered ok and the bus lost no reply, else
/// kExitFailed.
int exitCodeFor(const rpc::CallResult& result);

}  // namespace drover::cli
