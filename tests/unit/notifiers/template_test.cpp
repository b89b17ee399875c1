// Templates over events, the default texts, and the time and duration formats.
#include <gtest/gtest.h>

#include "notifiers/template.hpp"
#include "notifiers/text.hpp"
#include "notify_test_util.hpp"

namespace drover::notifiers {
namespace {

using testing::makeEvent;

TEST(Template, SubstitutesEveryPlaceholder) {
  Event event = makeEvent(EventKind::Failed, "web7.example.com");
  auto text = Template::parse(
                  "{{node}}|{{master}}|{{event}}|{{step}}|{{error}}|{{attempt}}|{{duration}}|"
                  "{{facts.region}}|{{ facts.cloud.zone }}")
                  .render(event);
  EXPECT_EQ(text,
            "web7.example.com|puppet-eu1.example.com|failed|sign_certificate|"
            "puppetca sign timed out after 30 s|3|4 min 12 s|eu-west-1|eu-west-1a");
}

TEST(Template, MissingValuesRenderAsDash) {
  Event event;
  event.kind = EventKind::Provisioned;
  event.node = "db1";
  EXPECT_EQ(Template::parse("{{node}} via {{master}} in {{facts.region}} after {{duration}}")
                .render(event),
            "db1 via - in - after -");
}

TEST(Template, NonStringFactsRenderAsJson) {
  Event event = makeEvent(EventKind::Provisioned, "n1");
  event.facts["cpus"] = 8;
  event.facts["virtual"] = true;
  EXPECT_EQ(Template::parse("{{facts.cpus}} {{facts.virtual}}").render(event), "8 true");
}

TEST(Template, DottedFactNameWinsOverNesting) {
  Event event = makeEvent(EventKind::Provisioned, "n1");
  event.facts["os.family"] = "Debian";
  EXPECT_EQ(Template::parse("{{facts.os.family}}").render(event), "Debian");
}

TEST(Template, UnknownPlaceholderIsRefusedWithItsPosition) {
  try {
    Template::parse("node {{nod}} done");
    FAIL() << "expected Template::Error";
  } catch (const Template::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown placeholder '{{nod}}'"), std::string::npos);
    EXPECT_EQ(e.offset(), 5u);
  }
  EXPECT_THROW(Template::parse("{{node"), Template::Error);
  EXPECT_THROW(Template::parse("{{ }}"), Template::Error);
  EXPECT_THROW(Template::parse("{{facts.}}"), Template::Error);
}

TEST(Template, DefaultsReadWell) {
  EXPECT_EQ(Template::parse(defaultTemplate(EventKind::Provisioned))
                .render(makeEvent(EventKind::Provisioned, "web1")),
            "web1 provisioned via puppet-eu1.example.com in 4 min 12 s");
  EXPECT_EQ(Template::parse(defaultTemplate(EventKind::Failed))
                .render(makeEvent(EventKind::Failed, "web7")),
            "web7 failed to provision: step sign_certificate failed (attempt 3): puppetca sign "
            "timed out after 30 s");
  EXPECT_EQ(Template::parse(defaultSubject(EventKind::Failed))
                .render(makeEvent(EventKind::Failed, "web7")),
            "[drover] web7 failed at sign_certificate");
  for (auto kind : kAllKinds) {
    EXPECT_NO_THROW(Template::parse(defaultTemplate(kind)));
    EXPECT_NO_THROW(Template::parse(defaultSubject(kind)));
  }
}

TEST(Text, Durations) {
  EXPECT_EQ(formatDuration(0), "0 ms");
  EXPECT_EQ(formatDuration(850), "850 ms");
  EXPECT_EQ(formatDuration(4200), "4.2 s");
  EXPECT_EQ(formatDuration(5000), "5 s");
  EXPECT_EQ(formatDuration(60'000), "1 min");
  EXPECT_EQ(formatDuration(192'000), "3 min 12 s");
  EXPECT_EQ(formatDuration(7'500'000), "2 h 5 min");
}

TEST(Text, TimesInUtcWithEnglishNames) {
  EXPECT_EQ(rfc5322Date(1'714'564'803'250), "Wed, 01 May 2024 12:00:03 +0000");
  EXPECT_EQ(rfc3339(1'714'564'803'250), "2024-05-01T12:00:03.250Z");
}

TEST(Text, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace drover::notifiers
