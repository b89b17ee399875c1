// Notification templates over events: every placeholder, "-" for what is missing or
// empty, the default texts. The language itself is tested in tests/unit/templating/.
#include <gtest/gtest.h>

#include "notifiers/placeholders.hpp"
#include "notify_test_util.hpp"

namespace drover::notifiers {
namespace {

using testing::makeEvent;

std::string rendered(const std::string& text, const Event& event) {
  return renderFor(parseTemplate(text), event);
}

TEST(Placeholders, SubstitutesEveryPlaceholder) {
  Event event = makeEvent(EventKind::Failed, "web7.example.com");
  auto text = rendered(
      "{{node}}|{{master}}|{{event}}|{{step}}|{{error}}|{{attempt}}|{{duration}}|"
      "{{facts.region}}|{{ facts.cloud.zone }}",
      event);
  EXPECT_EQ(text,
            "web7.example.com|puppet-eu1.example.com|failed|sign_certificate|"
            "puppetca sign timed out after 30 s|3|4 min 12 s|eu-west-1|eu-west-1a");
}

TEST(Placeholders, MissingValuesRenderAsDash) {
  Event event;
  event.kind = EventKind::Provisioned;
  event.node = "db1";
  EXPECT_EQ(rendered("{{node}} via {{master}} in {{facts.region}} after {{duration}}", event),
            "db1 via - in - after -");
}

TEST(Placeholders, EmptyValuesRenderAsDash) {
  Event event = makeEvent(EventKind::Failed, "web7");
  event.master.clear();
  event.error.clear();
  event.facts["region"] = "";
  EXPECT_EQ(rendered("{{master}} {{error}} {{facts.region}}", event), "- - -");
}

TEST(Placeholders, NonStringFactsRenderAsJson) {
  Event event = makeEvent(EventKind::Provisioned, "n1");
  event.facts["cpus"] = 8;
  event.facts["virtual"] = true;
  EXPECT_EQ(rendered("{{facts.cpus}} {{facts.virtual}}", event), "8 true");
}

TEST(Placeholders, DottedFactNameWinsOverNesting) {
  Event event = makeEvent(EventKind::Provisioned, "n1");
  event.facts["os.family"] = "Debian";
  EXPECT_EQ(rendered("{{facts.os.family}}", event), "Debian");
}

TEST(Placeholders, UnknownPlaceholderIsRefusedWithItsPosition) {
  try {
    parseTemplate("node {{nod}} done");
    FAIL() << "expected templating::Error";
  } catch (const templating::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown placeholder '{{nod}}'"), std::string::npos);
    EXPECT_EQ(e.offset(), 5u);
  }
  EXPECT_THROW(parseTemplate("{{node"), templating::Error);
  EXPECT_THROW(parseTemplate("{{ }}"), templating::Error);
  EXPECT_THROW(parseTemplate("{{facts.}}"), templating::Error);
  EXPECT_THROW(parseTemplate("{{facts}}"), templating::Error);
  EXPECT_THROW(parseTemplate("{{node.identity}}"), templating::Error);
}

TEST(Placeholders, DefaultsReadWell) {
  EXPECT_EQ(
      rendered(defaultTemplate(EventKind::Provisioned), makeEvent(EventKind::Provisioned, "web1")),
      "web1 provisioned via puppet-eu1.example.com in 4 min 12 s");
  EXPECT_EQ(rendered(defaultTemplate(EventKind::Failed), makeEvent(EventKind::Failed, "web7")),
            "web7 failed to provision: step sign_certificate failed (attempt 3): puppetca sign "
            "timed out after 30 s");
  EXPECT_EQ(rendered(defaultSubject(EventKind::Failed), makeEvent(EventKind::Failed, "web7")),
            "[drover] web7 failed at sign_certificate");
  for (auto kind : kAllKinds) {
    EXPECT_NO_THROW(parseTemplate(defaultTemplate(kind)));
    EXPECT_NO_THROW(parseTemplate(defaultSubject(kind)));
  }
}

}  // namespace
}  // namespace drover::notifiers
