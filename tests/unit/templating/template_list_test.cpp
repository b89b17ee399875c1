// The list parts of the {{...}} language: `*` path segments and the join('SEP') filter
// (deployments render `{{pools.worker.*.name | join(',')}}` with them).
#include <gtest/gtest.h>

#include "core/templating/template.hpp"

namespace drover::templating {
namespace {

Json pools() {
  Json worker = Json::object();
  for (int n : {10, 2, 0, 1}) {
    worker[std::to_string(n)] = {{"name", "worker-" + std::to_string(n)}, {"port", 8000 + n}};
  }
  worker["1"].erase("port");
  return Json{{"pools", {{"worker", worker}, {"empty", Json::object()}, {"list", {"a", "b"}}}}};
}

Json render(const std::string& text) { return Template::parse(text).render(pools()); }

std::string parseError(const std::string& text) {
  try {
    Template::parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TemplateWildcard, ListsEveryValueInTheNaturalOrderOfTheKeys) {
  EXPECT_EQ(render("{{pools.worker.*.name}}"),
            (Json{"worker-0", "worker-1", "worker-2", "worker-10"}));
}

TEST(TemplateWildcard, LeavesOutTheMembersWhereTheRestIsUnset) {
  EXPECT_EQ(render("{{pools.worker.*.port}}"), (Json{8000, 8002, 8010}));
}

TEST(TemplateWildcard, WalksArraysAndMayEndThePath) {
  EXPECT_EQ(render("{{pools.list.*}}"), (Json{"a", "b"}));
  EXPECT_EQ(render("{{pools.empty.*.name}}"), Json::array());
}

TEST(TemplateWildcard, AnAbsentContainerIsUnset) {
  EXPECT_EQ(render("{{pools.nothing.*.name || 'none'}}"), "none");
  EXPECT_THROW(render("{{pools.nothing.*.name}}"), Error);
}

TEST(TemplateJoin, JoinsAListAsText) {
  EXPECT_EQ(render("{{pools.worker.*.name | join(',')}}"), "worker-0,worker-1,worker-2,worker-10");
  EXPECT_EQ(render("{{pools.worker.*.port | join(\" \")}}"), "8000 8002 8010");
  EXPECT_EQ(render("w={{pools.list.* | join('|')}}"), "w=a|b");
  EXPECT_EQ(render("{{pools.empty.*.name | join(',')}}"), "");
}

TEST(TemplateJoin, AValueThatIsNoListIsItsText) {
  EXPECT_EQ(render("{{pools.worker.2.port | join(',')}}"), "8002");
}

TEST(TemplateJoin, BadSeparatorsAndStarsAreRefused) {
  EXPECT_EQ(parseError("{{a.* | join(,)}}"),
            "unknown filter 'join(,)' in {{a.* | join(,)}} (known: lower, join('SEP'))");
  EXPECT_NE(parseError("{{a.* | join('x)}}"), "");
  EXPECT_NE(parseError("{{*.name}}"), "");
  EXPECT_NE(parseError("{{a.*b}}"), "");
  EXPECT_NE(parseError("{{a.b*.c}}"), "");
  EXPECT_EQ(parseError("{{a.*.*}}"), "");
}

TEST(TemplateUses, ListsEveryPathWithItsOffset) {
  auto uses = Template::parse("x {{a.b || c}} {{d.*.e | join(',')}}").uses();
  ASSERT_EQ(uses.size(), 3u);
  EXPECT_EQ(uses[0].path, "a.b");
  EXPECT_EQ(uses[1].path, "c");
  EXPECT_EQ(uses[1].offset, 2u);
  EXPECT_EQ(uses[2].path, "d.*.e");
  EXPECT_EQ(uses[2].offset, 15u);
}

}  // namespace
}  // namespace drover::templating
