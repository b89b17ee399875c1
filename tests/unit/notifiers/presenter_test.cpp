// Messages for one event and digests for a burst.
#include <gtest/gtest.h>

#include "notifiers/placeholders.hpp"
#include "notifiers/presenter.hpp"
#include "notify_test_util.hpp"

namespace drover::notifiers {
namespace {

using testing::makeEvent;

TEST(Presenter, SingleEventHasTextSubjectAndDocument) {
  ChannelOptions options = testing::options("chat");
  options.facts = {"region"};
  Presenter presenter(options);
  Message message = presenter.single(makeEvent(EventKind::Failed, "web7"));
  EXPECT_FALSE(message.digest);
  EXPECT_EQ(message.subject, "[drover] web7 failed at sign_certificate");
  EXPECT_EQ(message.text,
            "web7 failed to provision: step sign_certificate failed (attempt 3): puppetca sign "
            "timed out after 30 s");
  EXPECT_EQ(message.document["event"], "failed");
  EXPECT_EQ(message.document["facts"], Json({{"region", "eu-west-1"}}));
  EXPECT_EQ(message.document["failed_step"], "sign_certificate");
  EXPECT_EQ(message.document["steps"][1]["duration_ms"], 30'000);
  EXPECT_EQ(message.document["started_at"], "2024-05-01T12:00:00.000Z");
  EXPECT_EQ(message.id.size(), 32u);
}

TEST(Presenter, ConfiguredTemplatesWin) {
  ChannelOptions options = testing::options("chat");
  options.templates[EventKind::Provisioned] = parseTemplate("ok {{node}} {{facts.role}}");
  options.subject = parseTemplate("S {{node}}");
  Message message = Presenter(options).single(makeEvent(EventKind::Provisioned, "n1"));
  EXPECT_EQ(message.text, "ok n1 web");
  EXPECT_EQ(message.subject, "S n1");
}

TEST(Presenter, DigestSumsUpABurst) {
  ChannelOptions options = testing::options("chat");
  std::vector<Event> events;
  for (int i = 0; i < 98; ++i) {
    events.push_back(makeEvent(EventKind::Provisioned, "web" + std::to_string(i)));
  }
  events.push_back(makeEvent(EventKind::Failed, "db1"));
  events.push_back(makeEvent(EventKind::Failed, "db2"));
  Message message = Presenter(options).digest(events, std::chrono::seconds(60));
  EXPECT_TRUE(message.digest);
  EXPECT_EQ(message.eventCount, 100u);
  EXPECT_EQ(message.kind, EventKind::Failed);
  EXPECT_EQ(message.subject,
            "[drover] 98 nodes provisioned in eu-west-1 in the last 60 s, 2 failed");
  const std::string firstLine = message.text.substr(0, message.text.find('\n'));
  EXPECT_EQ(firstLine,
            "98 nodes provisioned in eu-west-1 in the last 60 s, 2 failed: "
            "db1 (sign_certificate: puppetca sign timed out after 30 s), "
            "db2 (sign_certificate: puppetca sign timed out after 30 s)");
  EXPECT_NE(message.text.find("\nweb0 provisioned via puppet-eu1.example.com in 4 min 12 s\n"),
            std::string::npos);
  EXPECT_NE(message.text.find("... and 50 more"), std::string::npos);
  EXPECT_EQ(message.document["count"], 100);
  EXPECT_EQ(message.document["events"].size(), 100u);
}

TEST(Presenter, DigestNamesSeveralPlaces) {
  ChannelOptions options = testing::options("chat");
  std::vector<Event> events{makeEvent(EventKind::Provisioned, "a", "eu-west-1"),
                            makeEvent(EventKind::Provisioned, "b", "us-east-1"),
                            makeEvent(EventKind::WaitingTooLong, "c", "us-east-1")};
  Message message = Presenter(options).digest(events, std::chrono::seconds(30));
  EXPECT_EQ(message.text.substr(0, message.text.find('\n')),
            "2 nodes provisioned in eu-west-1 and us-east-1 in the last 30 s, 1 waiting too long");
  events.push_back(makeEvent(EventKind::Provisioned, "d", "ap-south-1"));
  message = Presenter(options).digest(events, std::chrono::seconds(30));
  EXPECT_EQ(message.subject,
            "[drover] 3 nodes provisioned in 3 regions in the last 30 s, "
            "1 waiting too long");
}

}  // namespace
}  // namespace drover::notifiers
