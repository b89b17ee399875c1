#pragma once
// Summaries of timing samples: median and p99 by nearest rank, so every reported
// number is one that was measured (with 50 samples, p99 is the largest).
#include <cstddef>
#include <vector>

#include "core/util/json.hpp"

namespace drover::bench {

struct Summary {
  std::size_t samples = 0;
  double median = 0;  // milliseconds, all of them
  double p99 = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
};

/// Nearest-rank percentile (0 < p <= 100) of `values`; 0 when empty.
double percentile(std::vector<double> values, double p);

Summary summarize(const std::vector<double>& values);

Json toJson(const Summary& summary);

}  // namespace drover::bench
