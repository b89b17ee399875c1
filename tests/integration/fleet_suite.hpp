#pragma once
// Base of the test suites that share one fleet: SetUpTestSuite starts it once, every
// test of the suite uses it, TearDownTestSuite stops it. A fleet that failed to start
// fails each test with the reason instead of crashing.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/fleet.hpp"

namespace drover::integration {

class FleetSuite : public ::testing::Test {
 protected:
  /// Call from the derived suite's SetUpTestSuite(). Never throws.
  static void startFleet(const std::vector<NodeSpec>& nodes) {
    startError_.clear();
    try {
      fleet_ = std::make_unique<Fleet>();
      fleet_->addNodes(nodes);
    } catch (const std::exception& e) {
      startError_ = e.what();
      fleet_.reset();
    }
  }
  static void TearDownTestSuite() { fleet_.reset(); }

  void SetUp() override {
    if (!fleet_) GTEST_FAIL() << "the fleet did not start: " << startError_;
  }

  static Fleet& fleet() { return *fleet_; }

 private:
  // One fleet at a time: GoogleTest runs the suites one after another.
  static inline std::unique_ptr<Fleet> fleet_;
  static inline std::string startError_;
};

}  // namespace drover::integration
