// log::Logger: a file's named logger is the one log::get hands out, and follows the
// level set for every logger.
#include <gtest/gtest.h>

#include "core/log/log.hpp"

namespace drover::log {
namespace {

const Logger logger{"drover.test.logger"};

TEST(Logger, IsTheNamedLoggerAndStaysTheSame) {
  EXPECT_EQ(logger()->name(), "drover.test.logger");
  EXPECT_EQ(logger().get(), get("drover.test.logger").get());
  EXPECT_EQ(logger().get(), logger().get());
}

TEST(Logger, FollowsTheLevelOfEveryLogger) {
  setLevel("error");
  EXPECT_EQ(logger()->level(), spdlog::level::err);
  setLevel("info");
  EXPECT_EQ(logger()->level(), spdlog::level::info);
}

}  // namespace
}  // namespace drover::log
