#include "bench/rpc/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace drover::bench {

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

Summary summarize(const std::vector<double>& values) {
  Summary summary;
  summary.samples = values.size();
  if (values.empty()) return summary;
  summary.median = percentile(values, 50);
  summary.p99 = percentile(values, 99);
  auto [low, high] = std::minmax_element(values.begin(), values.end());
  summary.min = *low;
  summary.max = *high;
  summary.mean =
      std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return summary;
}

Json toJson(const Summary& summary) {
  auto round3 = [](double ms) { return std::round(ms * 1000.0) / 1000.0; };
  return Json{{"samples", summary.samples},    {"median_ms", round3(summary.median)},
              {"p99_ms", round3(summary.p99)}, {"min_ms", round3(summary.min)},
              {"max_ms", round3(summary.max)}, {"mean_ms", round3(summary.mean)}};
}

}  // namespace drover::bench
