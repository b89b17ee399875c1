// Prometheus exposition of the provisioner counters.
#include <gtest/gtest.h>

#include "provisioner/metrics.hpp"

namespace drover::provisioner {
namespace {

TEST(Metrics, PrometheusTextHasGaugesCountersAndHistogram) {
  Metrics metrics;
  metrics.setNodes("waiting", 3);
  metrics.observeStep("sign", "done", 0.02);
  metrics.observeStep("sign", "retry", 3.0);
  metrics.countEvent("provisioned");
  std::string text = metrics.prometheus();
  EXPECT_NE(text.find("drover_provisioner_nodes{state=\"waiting\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(
      text.find("drover_provisioner_step_attempts_total{step=\"sign\",verdict=\"retry\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("drover_provisioner_step_duration_seconds_bucket{step=\"sign\",le=\"0.025\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("drover_provisioner_step_duration_seconds_bucket{step=\"sign\",le=\"5\"} 2\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("drover_provisioner_step_duration_seconds_count{step=\"sign\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("drover_provisioner_events_total{event=\"provisioned\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE drover_provisioner_step_duration_seconds histogram\n"),
            std::string::npos);
}

// What the "stuck in a step" alert reads: only the steps some node is running now.
TEST(Metrics, TheLongestRunningNodeOfEachStepReplacesTheLastScrapes) {
  Metrics metrics;
  metrics.setLongestInStep({{"sign", 12.5}, {"bootstrap_run", 600}});
  std::string text = metrics.prometheus();
  EXPECT_NE(text.find("drover_provisioner_step_longest_running_seconds{step=\"sign\"} 12.500\n"),
            std::string::npos)
      << text;
  metrics.setLongestInStep({{"bootstrap_run", 601}});
  text = metrics.prometheus();
  EXPECT_EQ(text.find("step_longest_running_seconds{step=\"sign\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("step_longest_running_seconds{step=\"bootstrap_run\"} 601.000\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace drover::provisioner
