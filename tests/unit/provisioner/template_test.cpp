// Step argument templates: paths, alternatives, lower, types, errors.
#include <gtest/gtest.h>

#include "provisioner/template.hpp"

namespace drover::provisioner {
namespace {

Json context() {
  return Json{{"node", {{"identity", "Web-1"}, {"facts", {{"region", "eu-west-1"}, {"cpus", 4},
                                                          {"os", {{"family", "Debian"}}}}}}},
              {"master", {{"identity", "pm-eu"}, {"facts", {{"ipaddress", "10.0.0.1"}}}}}};
}

TEST(Template, ReplacesPathsInText) {
  EXPECT_EQ(renderString("{{node.identity}} in {{node.facts.region}}", context()), "Web-1 in eu-west-1");
  EXPECT_EQ(renderString("{{ node.facts.os.family }}", context()), "Debian");
  EXPECT_EQ(renderString("no templates", context()), "no templates");
}

TEST(Template, AWholeExpressionKeepsItsType) {
  EXPECT_EQ(renderString("{{node.facts.cpus}}", context()), Json(4));
  EXPECT_EQ(renderString("cpus={{node.facts.cpus}}", context()), Json("cpus=4"));
}

TEST(Template, AlternativesAndLower) {
  EXPECT_EQ(renderString("{{master.facts.fqdn || master.identity}}", context()), "pm-eu");
  EXPECT_EQ(renderString("{{node.identity | lower}}", context()), "web-1");
  EXPECT_EQ(renderString("{{node.facts.fqdn || node.identity | lower}}", context()), "web-1");
}

TEST(Template, UnsetValueNamesTheExpression) {
  try {
    render(Json{{"address", "{{master.facts.fqdn}}"}}, context());
    FAIL() << "no error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(std::string(e.what()), "address: {{master.facts.fqdn}} is not set");
  }
}

TEST(Template, RendersNestedArguments) {
  Json out = render(Json{{"list", {"{{node.identity}}", 3}}, {"map", {{"r", "{{node.facts.region}}"}}}},
                    context());
  EXPECT_EQ(out, (Json{{"list", {"Web-1", 3}}, {"map", {{"r", "eu-west-1"}}}}));
}

TEST(Template, CheckFindsRootsAndSyntaxErrors) {
  EXPECT_EQ(checkTemplate("{{master.identity}}-{{node.identity}}"),
            (std::vector<std::string>{"master", "node"}));
  EXPECT_THROW(checkTemplate("{{node.identity"), TemplateError);
  EXPECT_THROW(checkTemplate("node.identity}}"), TemplateError);
  EXPECT_THROW(checkTemplate("{{facts.region}}"), TemplateError);
  EXPECT_THROW(checkTemplate("{{node..x}}"), TemplateError);
  EXPECT_THROW(checkTemplate("{{node.identity | upper}}"), TemplateError);
  EXPECT_THROW(checkTemplate("{{ }}"), TemplateError);
}

// The message of the TemplateError that `text` raises in checkTemplate, or "" for none.
std::string checkError(const std::string& text) {
  try {
    checkTemplate(text);
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

TEST(TemplateLiteral, ASetFactWinsOverTheLiteral) {
  EXPECT_EQ(renderString("{{node.facts.cpus || 8}}", context()), Json(4));
  EXPECT_EQ(renderString("{{node.facts.region || \"us-east-1\"}}", context()), "eu-west-1");
}

TEST(TemplateLiteral, AnUnsetFactFallsToAnIntegerThatStaysAnInteger) {
  Json port = renderString("{{master.facts.puppet_port || 8140}}", context());
  EXPECT_TRUE(port.is_number_integer());
  EXPECT_EQ(port, Json(8140));
  EXPECT_EQ(renderString("{{master.facts.offset || -3}}", context()), Json(-3));
  Json ratio = renderString("{{master.facts.ratio||0.25}}", context());
  EXPECT_TRUE(ratio.is_number_float());
  EXPECT_DOUBLE_EQ(ratio.get<double>(), 0.25);
  EXPECT_EQ(renderString("{{master.facts.fqdn || master.facts.host || 1}}", context()), Json(1));
}

TEST(TemplateLiteral, QuotedStrings) {
  EXPECT_EQ(renderString("{{master.facts.env || \"production\"}}", context()), Json("production"));
  EXPECT_EQ(renderString("{{master.facts.env || 'production'}}", context()), Json("production"));
  EXPECT_EQ(renderString("{{master.facts.env || \"a | b || c\"}}", context()), Json("a | b || c"));
  EXPECT_EQ(renderString("{{master.facts.env || \"it's\"}}", context()), Json("it's"));
  EXPECT_EQ(renderString("{{master.facts.env || ''}}", context()), Json(""));
  EXPECT_EQ(renderString("{{master.facts.port || \"8140\"}}", context()), Json("8140"));
}

TEST(TemplateLiteral, WithTextAroundALiteralIsText) {
  EXPECT_EQ(renderString("port={{master.facts.puppet_port || 8140}}", context()),
            Json("port=8140"));
  EXPECT_EQ(renderString("{{master.facts.env || 'production'}}-{{node.identity}}", context()),
            Json("production-Web-1"));
}

TEST(TemplateLiteral, LowerAppliesToALiteralString) {
  EXPECT_EQ(renderString("{{master.facts.env || \"Production\" | lower}}", context()),
            Json("production"));
  EXPECT_EQ(renderString("{{master.facts.env || 'A|B' | lower}}", context()), Json("a|b"));
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
  EXPECT_THROW(renderString("{{master.facts.x || 1 || master.identity}}", context()),
               TemplateError);
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
  EXPECT_THROW(checkTemplate("{{node.facts.env || 'a' 'b'}}"), TemplateError);
  EXPECT_THROW(checkTemplate("{{node.facts.env || 'a'b}}"), TemplateError);
}

}  // namespace
}  // namespace drover::provisioner
