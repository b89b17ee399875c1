// drover-broker at the open files limit: each node holds two connections, and a
// connection the kernel will not give is counted and named, never a silent wait.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/zmq_connection.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"
#include "core/util/subprocess.hpp"
#include "testing/process.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// The broker under a hard limit of `files` open files (prlimit: it cannot raise it).
struct LimitedBroker {
  explicit LimitedBroker(int files) {
    fs::path endpoints = dir / "endpoints.json";
    std::string limit = std::to_string(files);
    process.emplace(
        std::vector<std::string>{"/usr/bin/prlimit", "--nofile=" + limit + ":" + limit,
                                 testing::binary("drover-broker").string(), "--ingress",
                                 "tcp://127.0.0.1:*", "--egress", "tcp://127.0.0.1:*", "--control",
                                 "tcp://127.0.0.1:*", "--endpoints-file", endpoints.string()},
        dir / "broker.log");
    if (!testing::waitFor([&] { return fs::exists(endpoints); }, 15s)) {
      throw std::runtime_error("drover-broker did not start:\n" + process->log());
    }
    Json bound = Json::parse(util::readFile(endpoints));
    bus.publish = bound.at("ingress").at(0).get<std::string>();
    bus.subscribe = bound.at("egress").at(0).get<std::string>();
    control = bound.at("control").get<std::string>();
  }

  Json stats() const {
    auto run = util::runProcess(
        {testing::binary("drover-broker").string(), "stats", "--control", control}, "", 30s);
    return Json::parse(run.out, nullptr, false);
  }

  testing::TempDir dir;
  std::optional<testing::Process> process;
  bus::Endpoints bus;
  std::string control;
};

TEST(BrokerLimits, ConnectionsPastTheOpenFilesLimitAreCountedAndNamed) {
  LimitedBroker broker(64);
  EXPECT_THAT(broker.process->log(), HasSubstr("open files limit 64: room for about 32 nodes"));
  zmq::context_t context(1);
  std::vector<std::unique_ptr<bus::ZmqConnection>> peers;
  for (int i = 0; i < 40; ++i) {  // 80 connections for 64 files
    peers.push_back(std::make_unique<bus::ZmqConnection>(context, broker.bus));
  }
  // Out of files, a listening socket stops for a while instead of retrying accept() in a
  // tight loop (libzmq's way: millions of failures a second, nothing forwarded).
  Json stats;
  ASSERT_TRUE(testing::waitFor(
      [&] {
        stats = broker.stats();
        return stats.is_object() && stats.value("accept_pauses", 0) >= 3;
      },
      60s))
      << stats.dump() << "\n"
      << broker.process->log();
  EXPECT_LT(stats.value("accepts_failed", 0), stats.value("accept_pauses", 0) * 50000)
      << "accept() failures are not bounded by the pauses";
  EXPECT_THAT(broker.process->log(),
              HasSubstr("Too many open files (open files limit 64; every node holds two "
                        "connections): not accepting there for 1000 ms"));
  peers.clear();  // the broker takes connections again once files are free
  bus::ZmqConnection late(context, broker.bus);
  late.subscribe("drover.registration");
  EXPECT_TRUE(late.waitReady(20s)) << broker.process->log();
}

}  // namespace
}  // namespace drover::integration
