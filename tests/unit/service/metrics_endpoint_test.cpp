// The daemons' metrics endpoint: the addresses metrics.listen accepts, and a scrape.
#include "core/service/metrics_endpoint.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>

namespace drover::service {
namespace {

TEST(MetricsListen, AcceptsHostPortForms) {
  for (const char* good :
       {"127.0.0.1:9311", "localhost:1", "[::1]:9311", "0.0.0.0:65535", "node-1.example:9311"}) {
    EXPECT_TRUE(isListenAddress(good)) << good;
  }
  for (const char* bad :
       {"", "9311", ":9311", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:93x1",
        "[::1:9311", "[]:9311", "host name:9311", "127.0.0.1:123456"}) {
    EXPECT_FALSE(isListenAddress(bad)) << bad;
  }
}

TEST(MetricsEndpoint, ServesTheTextAtEachScrapeAndNothingElse) {
  int scrapes = 0;
  MetricsEndpoint endpoint("127.0.0.1:0", [&] {
    return "drover_test_scrapes_total " + std::to_string(++scrapes) + "\n";
  });
  ASSERT_GT(endpoint.port(), 0);
  httplib::Client client("127.0.0.1", endpoint.port());
  auto first = client.Get("/metrics");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "drover_test_scrapes_total 1\n");
  EXPECT_EQ(first->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(client.Get("/metrics")->body, "drover_test_scrapes_total 2\n");
  EXPECT_EQ(client.Get("/")->status, 404);
  EXPECT_EQ(client.Post("/metrics", "", "text/plain")->status, 404);
}

std::size_t threadsOfThisProcess() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

// Whoever reaches the port gets two workers and a bounded body, not a thread per core.
TEST(MetricsEndpoint, UsesTwoWorkersAndRefusesALargeBody) {
  const std::size_t before = threadsOfThisProcess();
  MetricsEndpoint endpoint("127.0.0.1:0", [] { return std::string("drover_test 1\n"); });
  httplib::Client client("127.0.0.1", endpoint.port());
  ASSERT_EQ(client.Get("/metrics")->status, 200);
  EXPECT_EQ(threadsOfThisProcess() - before, 3u) << "the listening thread and two workers";
  auto big = client.Post("/metrics", std::string(100000, 'x'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(client.Get("/metrics")->body, "drover_test 1\n");
}

TEST(MetricsEndpoint, APortInUseIsNamed) {
  MetricsEndpoint first("127.0.0.1:0", [] { return std::string(); });
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    MetricsEndpoint second(taken, [] { return std::string(); });
    FAIL() << "a second endpoint listened on " << taken;
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "metrics.listen " + taken + ": cannot listen there");
  }
}

}  // namespace
}  // namespace drover::service
