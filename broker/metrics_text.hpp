#pragma once
// The broker's counters in Prometheus text (metrics.listen, GET /metrics).
#include <string>

#include "broker/router.hpp"

namespace drover::broker {

std::string prometheusText(const RouterStats& stats);

}  // namespace drover::broker
