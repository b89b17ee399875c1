// formatPrintf(): the printf-like subset DDL formats use, interpreted without printf.
#include "core/ddl/text.hpp"

#include <gtest/gtest.h>

namespace drover::ddl {
namespace {

TEST(DdlText, ToText) {
  EXPECT_EQ(toText("plain"), "plain");
  EXPECT_EQ(toText(nullptr), "");
  EXPECT_EQ(toText(3), "3");
  EXPECT_EQ(toText(true), "true");
  EXPECT_EQ(toText(Json({{"b", 1}, {"a", {1, 2}}})), R"({"a":[1,2],"b":1})");
  EXPECT_EQ(toText(Json::array({std::string("bad\xFF")})), "[\"bad\xEF\xBF\xBD\"]");
}

TEST(DdlFormatPrintf, StringsAndIntegers) {
  EXPECT_EQ(formatPrintf("%s Tests on %d node(s)", {"12", 3}), "12 Tests on 3 node(s)");
  EXPECT_EQ(formatPrintf("%i|%v", {7, Json({1})}), "7|[1]");
  EXPECT_EQ(formatPrintf("[%5s][%-5s][%05d][%3d]", {"ab", "ab", -42, 12345}),
            "[   ab][ab   ][-0042][12345]");
  EXPECT_EQ(formatPrintf("%.2s", {"abcdef"}), "ab");
  EXPECT_EQ(formatPrintf("100%%", {}), "100%");
}

TEST(DdlFormatPrintf, FloatsAndConversions) {
  EXPECT_EQ(formatPrintf("Average: %0.2f", {2.0 / 3}), "Average: 0.67");
  EXPECT_EQ(formatPrintf("%f", {1.5}), "1.500000");
  EXPECT_EQ(formatPrintf("%.0f", {2.5}), "2");
  EXPECT_EQ(formatPrintf("%.3f", {7}), "7.000");
  EXPECT_EQ(formatPrintf("Average: %d", {4.6}), "Average: 5");  // puppet.json's format
  EXPECT_EQ(formatPrintf("%d/%f", {"12", "0.5"}), "12/0.500000");
  EXPECT_EQ(formatPrintf("%d", {"many"}), "many");
  EXPECT_EQ(formatPrintf("%s", {true}), "true");
}

TEST(DdlFormatPrintf, UnsupportedOrHostileDirectivesAreCopied) {
  EXPECT_EQ(formatPrintf("%n%x%p", {1, 2, 3}), "%n%x%p");
  EXPECT_EQ(formatPrintf("%s and %s", {"one"}), "one and %s");
  EXPECT_EQ(formatPrintf("%99999999s", {"x"}), "%99999999s");
  EXPECT_EQ(formatPrintf("%.999f", {1.0}), "%.999f");
  EXPECT_EQ(formatPrintf("end %", {1}), "end %");
  EXPECT_EQ(formatPrintf("%*d", {5, 1}), "%*d");
}

}  // namespace
}  // namespace drover::ddl
