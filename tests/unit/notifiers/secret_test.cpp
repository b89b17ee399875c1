// Secrets: where they come from, and that errors never carry them.
#include <cstdlib>

#include <gtest/gtest.h>

#include "notifiers/secret.hpp"
#include "notify_test_util.hpp"
#include "testing/process.hpp"

namespace drover::notifiers {
namespace {

TEST(Secret, FromFileTakesTheFirstLine) {
  drover::testing::TempDir dir;
  auto file = dir.write("key", "abc def\r\nsecond line\n");
  Secret secret = Secret::fromFile(file);
  EXPECT_EQ(secret.reveal(), "abc def");
  EXPECT_EQ(secret.source(), "file " + file.string());
}

TEST(Secret, EmptyOrMissingSourcesAreErrors) {
  drover::testing::TempDir dir;
  EXPECT_THROW(Secret::fromFile(dir.write("empty", "\n")), std::runtime_error);
  EXPECT_THROW(Secret::fromFile(dir / "missing"), std::runtime_error);
  ::setenv("DROVER_TEST_EMPTY", "", 1);
  EXPECT_THROW(Secret::fromEnv("DROVER_TEST_EMPTY"), std::runtime_error);
  EXPECT_THROW(Secret::fromEnv("DROVER_TEST_SURELY_UNSET"), std::runtime_error);
  ::setenv("DROVER_TEST_KEY", "k3y", 1);
  EXPECT_EQ(Secret::fromEnv("DROVER_TEST_KEY").reveal(), "k3y");
  EXPECT_EQ(Secret::fromEnv("DROVER_TEST_KEY").source(), "env DROVER_TEST_KEY");
}

TEST(Secret, RedactMasksEveryOccurrence) {
  EXPECT_EQ(redact("pw=abc, again abc.", {"abc"}), "pw=***, again ***.");
  EXPECT_EQ(redact("nothing here", {"", "zzz"}), "nothing here");
  EXPECT_EQ(redact("aaaa", {"aa"}), "******");
}

TEST(Secret, DeliverMasksSecretsInOutcomes) {
  auto shared = std::make_shared<testing::RecordingNotifier::Shared>();
  shared->failAlways = true;
  shared->permanent = true;
  shared->errorText = "AUTH PLAIN with s3cr3t failed";
  testing::RecordingNotifier notifier("mail", shared, "s3cr3t");
  Message message;
  message.text = "x";
  Outcome outcome = notifier.deliver(message);
  EXPECT_FALSE(outcome.ok);
  EXPECT_FALSE(outcome.retryable);
  EXPECT_EQ(outcome.error, "AUTH PLAIN with *** failed");
}

}  // namespace
}  // namespace drover::notifiers
