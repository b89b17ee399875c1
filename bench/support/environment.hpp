#pragma once
// What every benchmark records about the machine it ran on, and how it writes its JSON.
// On a shared machine the load average beside a result says how much of it was the
// benchmark's.
#include <string>

#include "core/util/json.hpp"

namespace drover::bench {

/// /proc/loadavg's 1, 5 and 15 minute averages, as a JSON array.
Json loadAverage();

/// {"cpus", "kernel", "loadavg_start"}: the start of a benchmark's "environment".
Json hostEnvironment();

/// Writes `doc` (indented) to `path`, creating its directory. Throws std::runtime_error.
void writeJson(const std::string& path, const Json& doc);

}  // namespace drover::bench
