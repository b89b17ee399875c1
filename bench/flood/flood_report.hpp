#pragma once
// What drover-flood-bench measured: a table for people, JSON for tools. Nothing here
// passes or fails a run.
#include <cstdio>
#include <vector>

#include "bench/flood/flood_run.hpp"
#include "core/util/json.hpp"

namespace drover::bench::flood {

struct FloodReport {
  Json environment = Json::object();  // machine, binaries, flags of this run
  std::vector<RunResult> runs;
};

void printTable(std::FILE* out, const FloodReport& report);
Json toJson(const FloodReport& report);

}  // namespace drover::bench::flood
