#pragma once
// Bases of the test suites that share one fleet: the fleet starts once for the suite,
// every test of the suite uses it, TearDownTestSuite stops it. A fleet that failed to
// start fails each test with the reason instead of crashing.
//
// FleetSuite runs on the ZeroMQ broker. BusFleetSuite runs the same tests once per
// transport (TEST_P, and DROVER_ON_EVERY_BUS(Suite) after the suite's tests): one
// definition, checked on the broker and on a NATS server.
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/fleet.hpp"

namespace drover::bus {

// "zmq" or "nats" in test names (ctest's included), not the value's bytes.
inline void PrintTo(TransportKind kind, std::ostream* out) { *out << nameOf(kind); }

}  // namespace drover::bus

namespace drover::integration {

class FleetSuite : public ::testing::Test {
 protected:
  /// Call from the derived suite's SetUpTestSuite(). Never throws.
  static void startFleet(const std::vector<NodeSpec>& nodes) {
    startFleetOn(bus::TransportKind::Zmq, nodes);
  }
  static void TearDownTestSuite() { fleet_.reset(); }

  void SetUp() override {
    if (!fleet_) GTEST_FAIL() << "the fleet did not start: " << startError_;
  }

  static Fleet& fleet() { return *fleet_; }

  static void startFleetOn(bus::TransportKind transport, const std::vector<NodeSpec>& nodes) {
    startError_.clear();
    fleet_.reset();
    try {
      FleetOptions options;
      options.transport = transport;
      fleet_ = std::make_unique<Fleet>(options);
      fleet_->addNodes(nodes);
    } catch (const std::exception& e) {
      startError_ = e.what();
      fleet_.reset();
    }
  }
  static bool fleetOn(bus::TransportKind transport) {
    return fleet_ && fleet_->transport() == transport;
  }

 private:
  // One fleet at a time: GoogleTest runs the suites one after another.
  static inline std::unique_ptr<Fleet> fleet_;
  static inline std::string startError_;
};

class BusFleetSuite : public FleetSuite, public ::testing::WithParamInterface<bus::TransportKind> {
 protected:
  /// Call from the derived suite's SetUpTestSuite(): the nodes start with the first
  /// test, on that test's transport.
  static void startFleet(const std::vector<NodeSpec>& nodes) {
    nodes_ = nodes;
    started_ = false;
  }

  void SetUp() override {
    if (!started_ || !fleetOn(GetParam())) {
      started_ = true;
      startFleetOn(GetParam(), nodes_);
    }
    FleetSuite::SetUp();
  }

 private:
  static inline std::vector<NodeSpec> nodes_;
  static inline bool started_ = false;
};

}  // namespace drover::integration

/// Runs every TEST_P of `suite` on the ZeroMQ broker (Zmq/suite.Test) and on NATS
/// (Nats/suite.Test).
#define DROVER_ON_EVERY_BUS(suite)                                                            \
  INSTANTIATE_TEST_SUITE_P(Zmq, suite, ::testing::Values(::drover::bus::TransportKind::Zmq)); \
  INSTANTIATE_TEST_SUITE_P(Nats, suite, ::testing::Values(::drover::bus::TransportKind::Nats))
