// The provisioner's events as the notify library receives them.
#include <gtest/gtest.h>

#include "provisioner/notify_bridge.hpp"

namespace drover::provisioner {
namespace {

TEST(NotifyBridge, AFailedEventCarriesItsStepErrorAttemptAndTimings) {
  Event event;
  event.kind = Event::Kind::Failed;
  event.node = "web1";
  event.master = "pm-eu";
  event.step = "sign";
  event.attempt = 3;
  event.message = "sign: pm-eu: refused";
  event.timeMs = 10'000;
  event.durationMs = 4'000;
  event.facts = {{"region", "eu"}, {"role", "web"}};
  event.steps = {{"pick_master", 0, true, ""}, {"sign", 1'500, false, "sign: pm-eu: refused"}};
  notifiers::Event out = toNotifyEvent(event);
  EXPECT_EQ(out.kind, notifiers::EventKind::Failed);
  EXPECT_EQ(out.node, "web1");
  EXPECT_EQ(out.master, "pm-eu");
  EXPECT_EQ(out.failedStep, "sign");
  EXPECT_EQ(out.error, "sign: pm-eu: refused");
  EXPECT_EQ(out.attempt, 3);
  EXPECT_EQ(out.startedMs, 6'000);
  EXPECT_EQ(out.finishedMs, 10'000);
  EXPECT_EQ(out.facts, event.facts);
  ASSERT_EQ(out.steps.size(), 2u);
  EXPECT_EQ(out.steps[1].name, "sign");
  EXPECT_EQ(out.steps[1].durationMs, 1'500);
  EXPECT_FALSE(out.steps[1].ok);
}

TEST(NotifyBridge, AProvisionedEventHasNoFailedStep) {
  Event event;
  event.kind = Event::Kind::Provisioned;
  event.node = "web2";
  event.step = "notify";
  event.message = "provisioned against pm-us";
  notifiers::Event out = toNotifyEvent(event);
  EXPECT_EQ(out.kind, notifiers::EventKind::Provisioned);
  EXPECT_EQ(out.failedStep, "");
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.attempt, 1);
}

}  // namespace
}  // namespace drover::provisioner
