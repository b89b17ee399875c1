// The Grafana dashboard (etc/grafana/drover.json) and the alert rules
// (etc/prometheus/drover-alerts.yml) read only metrics the daemons expose, and every
// dashboard query is PromQL Prometheus accepts (promtool checks them as rules).
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "broker/metrics_text.hpp"
#include "core/util/json.hpp"
#include "core/util/subprocess.hpp"
#include "node/node_metrics.hpp"
#include "provisioner/metrics.hpp"
#include "testing/process.hpp"

namespace drover {
namespace {

const std::string kSource = DROVER_SOURCE_DIR;

// Every family the three daemons write, from their own exposition code.
std::set<std::string> exposedFamilies() {
  node::NodeMetrics node;
  node.countRun("rpcutil", envelope::StatusCode::Ok, std::chrono::microseconds(5));
  node.countRefusal("busy");
  broker::RouterStats broker;
  broker.connections["ingress"] = 1;
  provisioner::Metrics provisioner;
  provisioner.setNodes("waiting", 1);
  provisioner.observeStep("sign", "done", 1.0);
  provisioner.countEvent("provisioned");
  provisioner.setLongestInStep({{"sign", 1.0}});
  std::string text =
      node.prometheus({}) + broker::prometheusText(broker) + provisioner.prometheus();
  std::set<std::string> families;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) families.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return families;
}

// drover_* names in a query, with a histogram's or summary's series suffix taken off.
std::set<std::string> metricsIn(const std::string& expr) {
  static const std::regex name("drover_[a-z_]+");
  std::set<std::string> out;
  for (std::sregex_iterator it(expr.begin(), expr.end(), name), end; it != end; ++it) {
    std::string metric = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (metric.size() > s.size() && metric.ends_with(s) && !metric.ends_with("_total")) {
        metric.resize(metric.size() - s.size());
        break;
      }
    }
    out.insert(metric);
  }
  return out;
}

std::vector<std::string> dashboardQueries() {
  std::ifstream in(kSource + "/etc/grafana/drover.json");
  Json dashboard = Json::parse(in);
  std::vector<std::string> queries;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.value("targets", Json::array())) {
      queries.push_back(target.at("expr").get<std::string>());
    }
  }
  return queries;
}

TEST(Dashboards, ReadOnlyMetricsTheDaemonsExpose) {
  std::set<std::string> exposed = exposedFamilies();
  std::vector<std::string> queries = dashboardQueries();
  ASSERT_GE(queries.size(), 20u);
  for (const auto& query : queries) {
    for (const auto& metric : metricsIn(query)) {
      EXPECT_TRUE(exposed.count(metric)) << metric << " in the dashboard query " << query;
    }
  }
  YAML::Node rules = YAML::LoadFile(kSource + "/etc/prometheus/drover-alerts.yml");
  std::size_t alerts = 0;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      ++alerts;
      std::string expr = rule["expr"].as<std::string>();
      for (const auto& metric : metricsIn(expr)) {
        EXPECT_TRUE(exposed.count(metric))
            << metric << " in alert " << rule["alert"].as<std::string>();
      }
    }
  }
  EXPECT_EQ(alerts, 7u);
}

TEST(Dashboards, EveryQueryIsPromqlPrometheusAccepts) {
  // Grafana's variables as a scrape would fill them.
  YAML::Emitter rules;
  rules << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq
        << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "dashboard" << YAML::Key
        << "rules" << YAML::Value << YAML::BeginSeq;
  int n = 0;
  for (std::string query : dashboardQueries()) {
    query = std::regex_replace(query, std::regex(R"(\$__rate_interval)"), "5m");
    query = std::regex_replace(query, std::regex(R"(\$[a-z_]+)"), "drover");
    rules << YAML::BeginMap << YAML::Key << "record" << YAML::Value
          << "dashboard:panel_" + std::to_string(++n) << YAML::Key << "expr" << YAML::Value << query
          << YAML::EndMap;
  }
  rules << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  testing::TempDir dir;
  auto file = dir.write("dashboard-rules.yml", rules.c_str());
  util::SubprocessResult run = util::runProcess(
      {"/usr/bin/promtool", "check", "rules", file.string()}, "", std::chrono::seconds(30));
  EXPECT_EQ(run.exitCode, 0) << run.out << run.err;
  EXPECT_THAT(run.out, ::testing::HasSubstr(std::to_string(n) + " rules found"));
}

TEST(AlertRules, AreValidAndFireOnTheSeriesTheirTestsGive) {
  util::SubprocessResult check = util::runProcess(
      {"/usr/bin/promtool", "check", "rules", kSource + "/etc/prometheus/drover-alerts.yml"}, "",
      std::chrono::seconds(30));
  EXPECT_EQ(check.exitCode, 0) << check.out << check.err;
  util::SubprocessResult test = util::runProcess(
      {"/usr/bin/promtool", "test", "rules", kSource + "/tests/prometheus/drover-alerts-test.yml"},
      "", std::chrono::seconds(60));
  EXPECT_EQ(test.exitCode, 0) << test.out << test.err;
  EXPECT_THAT(test.out, ::testing::HasSubstr("SUCCESS"));
}

}  // namespace
}  // namespace drover
