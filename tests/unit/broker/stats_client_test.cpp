// Where `drover-broker stats` takes its CURVE settings from, and what it says when they
// do not fit.
#include "broker/stats_client.hpp"

#include <gtest/gtest.h>

#include "testing/process.hpp"

namespace drover::broker {
namespace {

std::string errorOf(const std::string& serverKey, const std::string& keyFile,
                    const std::filesystem::path& config = {}) {
  try {
    statsCurveFrom(serverKey, keyFile, config);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(StatsCurve, FlagsWinOverTheClientConfig) {
  drover::testing::TempDir dir;
  bus::CurveKeys mine = bus::generateCurveKeys();
  bus::CurveKeys broker = bus::generateCurveKeys();
  bus::CurveKeys other = bus::generateCurveKeys();
  bus::writeCurveKeyFile(dir / "mine.key", mine);
  auto config =
      dir.write("client.yaml", "curve:\n  server_key: \"" + other.publicKey +
                                   "\"\n  key_file: " + (dir / "mine.key").string() + "\n");
  auto fromFile = statsCurveFrom("", "", config);
  ASSERT_TRUE(fromFile.has_value());
  EXPECT_EQ(fromFile->serverKey, other.publicKey);
  EXPECT_EQ(fromFile->keys.publicKey, mine.publicKey);
  auto overridden = statsCurveFrom(broker.publicKey, "", config);
  ASSERT_TRUE(overridden.has_value());
  EXPECT_EQ(overridden->serverKey, broker.publicKey);
  EXPECT_FALSE(statsCurveFrom("", "", {}).has_value());  // plain TCP
}

TEST(StatsCurve, WhatIsMissingOrWrongIsNamed) {
  drover::testing::TempDir dir;
  bus::CurveKeys keys = bus::generateCurveKeys();
  bus::writeCurveKeyFile(dir / "k.key", keys);
  EXPECT_EQ(errorOf(keys.publicKey, "").find("--curve-key-file is missing"), 0u);
  EXPECT_EQ(errorOf("", (dir / "k.key").string()).find("--curve-server-key is missing"), 0u);
  EXPECT_EQ(errorOf("nope", (dir / "k.key").string()),
            "--curve-server-key: 'nope' is not a 40-character Z85 CURVE public key");
  EXPECT_NE(errorOf(keys.publicKey, (dir / "absent.key").string()).find("absent.key"),
            std::string::npos);
  auto config = dir.write("client.yaml", "curve:\n  server_key: 12\n  colour: red\n");
  EXPECT_NE(errorOf("", "", config).find("client.yaml"), std::string::npos);
}

}  // namespace
}  // namespace drover::broker
