// The {{...}} language as flows use it (paths, alternatives, literals, lower, types,
// errors) and as notifications use it (fixed names, "-" for what is unset).
#include <gtest/gtest.h>

#include "core/templating/template.hpp"

namespace drover::templating {
namespace {

const Names kFlowNames{{"node", "master", "provisioner", "lookup"},
                       {"node", "master", "provisioner", "lookup"}};
const Names kNotificationNames{{"node", "master", "event", "step", "error", "attempt", "duration"},
                               {"facts"}};

Json context() {
  return Json{{"node",
               {{"identity", "Web-1"},
                {"facts", {{"region", "eu-west-1"}, {"cpus", 4}, {"os", {{"family", "Debian"}}}}}}},
              {"master", {{"identity", "pm-eu"}, {"facts", {{"ipaddress", "10.0.0.1"}}}}}};
}

// A flow argument rendered against context().
Json renderString(const std::string& text) { return Template::parse(text).render(context()); }

// The roots a flow argument uses; throws Error as a flow load does.
std::vector<std::string> checkTemplate(const std::string& text) {
  return Template::parse(text, kFlowNames).roots();
}

// The message of the Error that `text` raises in checkTemplate, or "" for none.
std::string checkError(const std::string& text) {
  try {
    checkTemplate(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A structure holding a string that is not UTF-8 (a fact read from a file, say) still
// renders: the bad byte becomes U+FFFD; a string on its own keeps its bytes.
TEST(TemplateRender, AStructureWithBytesThatAreNotUtf8StillRenders) {
  Json ctx = context();
  ctx["node"]["facts"]["motd"] = std::string("caf\xe9");
  ctx["node"]["facts"]["tags"] = Json::array({std::string("ok"), std::string("\x95x")});
  EXPECT_EQ(Template::parse("tags {{node.facts.tags}}").renderText(ctx),
            "tags [\"ok\",\"\xef\xbf\xbdx\"]");
  EXPECT_EQ(Template::parse("motd {{node.facts.motd}}").renderText(ctx), "motd caf\xe9");
}

TEST(Template, ReplacesPathsInText) {
  EXPECT_EQ(renderString("{{node.identity}} in {{node.facts.region}}"), "Web-1 in eu-west-1");
  EXPECT_EQ(renderString("{{ node.facts.os.family }}"), "Debian");
  EXPECT_EQ(renderString("no templates"), "no templates");
  EXPECT_EQ(renderString(""), "");
}

TEST(Template, AWholeExpressionKeepsItsType) {
  EXPECT_EQ(renderString("{{node.facts.cpus}}"), Json(4));
  EXPECT_EQ(renderString("cpus={{node.facts.cpus}}"), Json("cpus=4"));
  EXPECT_EQ(renderString("{{node.facts.os}}"), (Json{{"family", "Debian"}}));
}

TEST(Template, AlternativesAndLower) {
  EXPECT_EQ(renderString("{{master.facts.fqdn || master.identity}}"), "pm-eu");
  EXPECT_EQ(renderString("{{node.identity | lower}}"), "web-1");
  EXPECT_EQ(renderString("{{node.facts.fqdn || node.identity | lower}}"), "web-1");
}

TEST(Template, UnsetValueNamesTheExpression) {
  try {
    renderValue(Json{{"address", "{{master.facts.fqdn}}"}}, context());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "address: {{master.facts.fqdn}} is not set");
  }
}

TEST(Template, RendersNestedArguments) {
  Json out = renderValue(
      Json{{"list", {"{{node.identity}}", 3}}, {"map", {{"r", "{{node.facts.region}}"}}}},
      context());
  EXPECT_EQ(out, (Json{{"list", {"Web-1", 3}}, {"map", {{"r", "eu-west-1"}}}}));
}

TEST(Template, AnErrorInsideAnArrayNamesItsIndex) {
  try {
    renderValue(Json{{"list", {"ok", "{{node.facts.nope}}"}}}, context());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "list: [1]: {{node.facts.nope}} is not set");
  }
}

TEST(Template, CheckFindsRootsAndSyntaxErrors) {
  EXPECT_EQ(checkTemplate("{{master.identity}}-{{node.identity}}"),
            (std::vector<std::string>{"master", "node"}));
  EXPECT_THROW(checkTemplate("{{node.identity"), Error);
  EXPECT_THROW(checkTemplate("node.identity}}"), Error);
  EXPECT_THROW(checkTemplate("{{facts.region}}"), Error);
  EXPECT_THROW(checkTemplate("{{node..x}}"), Error);
  EXPECT_THROW(checkTemplate("{{node.identity | upper}}"), Error);
  EXPECT_THROW(checkTemplate("{{ }}"), Error);
  EXPECT_THROW(checkTemplate("{{a {{node.identity}}"), Error);
}

TEST(Template, SyntaxErrorsSayWhatAndWhere) {
  EXPECT_EQ(checkError("{{node.identity"), "'{{' without '}}' in \"{{node.identity\"");
  EXPECT_EQ(checkError("a }} b"), "'}}' without '{{' in \"a }} b\"");
  EXPECT_EQ(checkError("{{node.identity | upper}}"),
            "unknown filter 'upper' in {{node.identity | upper}} (known: lower, join('SEP'))");
  EXPECT_EQ(checkError("{{facts.region}}"),
            "unknown placeholder '{{facts.region}}' (known: node[.NAME], master[.NAME], "
            "provisioner[.NAME], lookup[.NAME])");
  EXPECT_EQ(checkError("{{node.facts.x || facts.y}}"),
            "unknown placeholder '{{facts.y}}' in '{{node.facts.x || facts.y}}' (known: "
            "node[.NAME], master[.NAME], provisioner[.NAME], lookup[.NAME])");
}

TEST(Template, ErrorsCarryTheOffsetOfTheirExpression) {
  auto offsetOf = [](const std::string& text) {
    try {
      Template::parse(text, kFlowNames);
    } catch (const Error& e) {
      return e.offset();
    }
    return std::string::npos;
  };
  EXPECT_EQ(offsetOf("ab {{node.identity"), 3u);
  EXPECT_EQ(offsetOf("{{node.identity}} }}"), 18u);
  EXPECT_EQ(offsetOf("x {{node.identity}} {{bad..path}}"), 20u);
  EXPECT_EQ(offsetOf("x {{node.identity | upper}}"), 2u);
}

TEST(Template, AKeyHoldingTheWholeRestOfThePathWins) {
  Json ctx{{"node", {{"facts", {{"os.family", "Flat"}, {"os", {{"family", "Nested"}}}}}}}};
  EXPECT_EQ(Template::parse("{{node.facts.os.family}}").render(ctx), "Flat");
  ctx["node"]["facts"].erase("os.family");
  EXPECT_EQ(Template::parse("{{node.facts.os.family}}").render(ctx), "Nested");
  EXPECT_EQ(lookupPath(ctx, "node.facts.os.release"), nullptr);
  EXPECT_EQ(lookupPath(ctx, "node.facts.os.family.x"), nullptr);
}

TEST(TemplateLiteral, ASetFactWinsOverTheLiteral) {
  EXPECT_EQ(renderString("{{node.facts.cpus || 8}}"), Json(4));
  EXPECT_EQ(renderString("{{node.facts.region || \"us-east-1\"}}"), "eu-west-1");
}

TEST(TemplateLiteral, AnUnsetFactFallsToAnIntegerThatStaysAnInteger) {
  Json port = renderString("{{master.facts.puppet_port || 8140}}");
  EXPECT_TRUE(port.is_number_integer());
  EXPECT_EQ(port, Json(8140));
  EXPECT_EQ(renderString("{{master.facts.offset || -3}}"), Json(-3));
  Json ratio = renderString("{{master.facts.ratio||0.25}}");
  EXPECT_TRUE(ratio.is_number_float());
  EXPECT_DOUBLE_EQ(ratio.get<double>(), 0.25);
  EXPECT_EQ(renderString("{{master.facts.fqdn || master.facts.host || 1}}"), Json(1));
}

TEST(TemplateLiteral, QuotedStrings) {
  EXPECT_EQ(renderString("{{master.facts.env || \"production\"}}"), Json("production"));
  EXPECT_EQ(renderString("{{master.facts.env || 'production'}}"), Json("production"));
  EXPECT_EQ(renderString("{{master.facts.env || \"a | b || c\"}}"), Json("a | b || c"));
  EXPECT_EQ(renderString("{{master.facts.env || \"it's\"}}"), Json("it's"));
  EXPECT_EQ(renderString("{{master.facts.env || ''}}"), Json(""));
  EXPECT_EQ(renderString("{{master.facts.port || \"8140\"}}"), Json("8140"));
}

TEST(TemplateLiteral, WithTextAroundALiteralIsText) {
  EXPECT_EQ(renderString("port={{master.facts.puppet_port || 8140}}"), Json("port=8140"));
  EXPECT_EQ(renderString("{{master.facts.env || 'production'}}-{{node.identity}}"),
            Json("production-Web-1"));
}

TEST(TemplateLiteral, LowerAppliesToALiteralString) {
  EXPECT_EQ(renderString("{{master.facts.env || \"Production\" | lower}}"), Json("production"));
  EXPECT_EQ(renderString("{{master.facts.env || 'A|B' | lower}}"), Json("a|b"));
}

TEST(TemplateLiteral, CheckAcceptsLiteralsAndReportsNoRootForThem) {
  EXPECT_EQ(checkTemplate("{{master.facts.puppet_port || 8140}}"),
            (std::vector<std::string>{"master"}));
  EXPECT_EQ(checkTemplate("{{node.facts.env || \"production\" | lower}}"),
            (std::vector<std::string>{"node"}));
  EXPECT_EQ(checkTemplate("{{ 'fixed' }}"), (std::vector<std::string>{}));
}

TEST(TemplateLiteral, ALiteralMustBeTheLastAlternative) {
  EXPECT_EQ(checkError("{{8140 || x}}"), "'{{8140 || x}}': a literal must be the last alternative");
  EXPECT_EQ(checkError("{{node.facts.x || 'a' || 'b'}}"),
            "'{{node.facts.x || 'a' || 'b'}}': a literal must be the last alternative");
  EXPECT_THROW(renderString("{{master.facts.x || 1 || master.identity}}"), Error);
}

TEST(TemplateLiteral, ANumberOutOfRangeIsRejected) {
  EXPECT_EQ(checkError("{{node.facts.x || 99999999999999999999}}"),
            "'{{node.facts.x || 99999999999999999999}}': the number 99999999999999999999 is out"
            " of range");
}

TEST(TemplateLiteral, AnUnterminatedQuoteIsRejected) {
  std::string message = checkError("{{master.facts.env || \"production}}");
  EXPECT_NE(message.find("'{{master.facts.env || \"production}}'"), std::string::npos) << message;
  EXPECT_NE(message.find("unterminated"), std::string::npos) << message;
  // '}}' inside quotes ends the expression early, which leaves the quote open.
  message = checkError("{{master.facts.env || 'a}}b'}}");
  EXPECT_NE(message.find("unterminated"), std::string::npos) << message;
  EXPECT_NE(message.find("'}}'"), std::string::npos) << message;
  EXPECT_THROW(checkTemplate("{{node.facts.env || 'a' 'b'}}"), Error);
  EXPECT_THROW(checkTemplate("{{node.facts.env || 'a'b}}"), Error);
}

// Notification texts: fixed names over an event's values, "-" for what is unset.
Json eventValues() {
  return Json{{"node", "web7.example.com"},
              {"master", ""},
              {"event", "failed"},
              {"step", "sign_certificate"},
              {"error", "timeout"},
              {"attempt", 3},
              {"facts",
               {{"region", "eu-west-1"},
                {"cpus", 8},
                {"virtual", true},
                {"os.family", "Debian"},
                {"cloud", {{"zone", "eu-west-1a"}}}}}};
}

std::string notification(const std::string& text) {
  return Template::parse(text, kNotificationNames).renderText(eventValues(), Unset::Dash);
}

TEST(TemplateNotification, SubstitutesNamesAndFacts) {
  EXPECT_EQ(notification("{{node}}|{{event}}|{{step}}|{{error}}|{{attempt}}|{{facts.region}}|"
                         "{{ facts.cloud.zone }}"),
            "web7.example.com|failed|sign_certificate|timeout|3|eu-west-1|eu-west-1a");
}

TEST(TemplateNotification, MissingAndEmptyValuesRenderAsDash) {
  EXPECT_EQ(notification("{{node}} via {{master}} in {{facts.dc}} after {{duration}}"),
            "web7.example.com via - in - after -");
  EXPECT_EQ(notification("{{master}}"), "-");
}

TEST(TemplateNotification, NonStringFactsRenderAsJsonAndDottedNamesWin) {
  EXPECT_EQ(notification("{{facts.cpus}} {{facts.virtual}}"), "8 true");
  EXPECT_EQ(notification("{{facts.os.family}}"), "Debian");
}

TEST(TemplateNotification, AlternativesLiteralsAndLowerWorkHereToo) {
  EXPECT_EQ(notification("{{master || node | lower}}"), "web7.example.com");
  EXPECT_EQ(notification("{{facts.dc || 'no dc'}}"), "no dc");
  EXPECT_EQ(notification("{{facts.dc || 0}}"), "0");
}

TEST(TemplateNotification, UnknownNamesAreRefusedWithTheirPosition) {
  try {
    Template::parse("node {{nod}} done", kNotificationNames);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown placeholder '{{nod}}' (known: node, master, event, step, error, "
              "attempt, duration, facts.NAME)");
    EXPECT_EQ(e.offset(), 5u);
  }
  EXPECT_THROW(Template::parse("{{node", kNotificationNames), Error);
  EXPECT_THROW(Template::parse("{{ }}", kNotificationNames), Error);
  EXPECT_THROW(Template::parse("{{facts.}}", kNotificationNames), Error);
  EXPECT_THROW(Template::parse("{{facts}}", kNotificationNames), Error);
  EXPECT_THROW(Template::parse("{{node.identity}}", kNotificationNames), Error);
}

TEST(TemplateNotification, UnderUnsetErrorTheSameTemplateFails) {
  auto tmpl = Template::parse("{{facts.dc}}", kNotificationNames);
  EXPECT_THROW(tmpl.renderText(eventValues()), Error);
  EXPECT_EQ(Template::parse("{{master}}").renderText(eventValues()), "");
}

}  // namespace
}  // namespace drover::templating
