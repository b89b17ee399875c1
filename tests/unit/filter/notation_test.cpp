// plainDecimalFor(): which values look like numbers the language reads as text, and the
// plain decimal the client suggests in their place.
#include "core/filter/notation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/filter/literal.hpp"

namespace drover::filter::test {
namespace {

using Case = std::pair<std::string, std::string>;  // value, suggested plain decimal

TEST(FilterNotation, LeadingZerosAndPrefixesGiveTheirDecimal) {
  const std::vector<Case> cases = {
      {"010", "10"},
      {"00", "0"},
      {"-007.50", "-7.50"},
      {"0x1F", "31"},
      {"0X1f", "31"},
      {"-0x10", "-16"},
      {"0o17", "15"},
      {"0O7", "7"},
      {"0b101", "5"},
      {"0B1", "1"},
      {"0xFFFFFFFFFFFFFFFFF", ""},  // beyond 64 bits: refused, with no suggestion
  };
  for (const auto& [value, plain] : cases) {
    const auto found = plainDecimalFor(value);
    ASSERT_TRUE(found.has_value()) << value;
    EXPECT_EQ(*found, plain) << value;
  }
}

TEST(FilterNotation, SeparatorsSignsPointsAndExponents) {
  const std::vector<Case> cases = {
      {"1_000", "1000"}, {"1'000'000", "1000000"},
      {"+4", "4"},       {"+0x1F", "31"},
      {".5", "0.5"},     {"-.5", "-0.5"},
      {"5.", "5"},       {"-5.", "-5"},
      {"1e3", "1000"},   {"2.5E-3", "0.0025"},
      {"1e+2", "100"},   {"-00", "0"},
      {"1e400", ""},     {"1e-60", ""},
      {"1,000", ""},     {"2,5", ""},
  };
  for (const auto& [value, plain] : cases) {
    const auto found = plainDecimalFor(value);
    ASSERT_TRUE(found.has_value()) << value;
    EXPECT_EQ(*found, plain) << value;
    if (!plain.empty()) {
      EXPECT_TRUE(parseNumber(plain).has_value()) << plain;  // the suggestion reads as a number
    }
  }
}

TEST(FilterNotation, PlainDecimalsAndTextAreLeftAlone) {
  for (const char* value : {"0",        "10",         "-2",    "2.5",   "-0.25", "0.5", "5.10.1",
                            "web01",    "0x",         "0xG",   "0x_FF", "1__0",  "_1",  "1_",
                            "1e",       "1e3.5",      "e3",    ".",     "+",     "-",   "",
                            "10.0.0.5", "2024-01-05", "09:30", "1,",    ",5",    "inf", "nan"}) {
    EXPECT_FALSE(plainDecimalFor(value).has_value()) << value;
  }
}

}  // namespace
}  // namespace drover::filter::test
