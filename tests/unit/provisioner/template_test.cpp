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

}  // namespace
}  // namespace drover::provisioner
