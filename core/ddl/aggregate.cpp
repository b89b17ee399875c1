#include "core/ddl/aggregate.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>

#include "core/ddl/text.hpp"

namespace drover::ddl {
namespace {

constexpr std::array<std::string_view, 5> kFunctions{"summary", "boolean_summary", "average", "sum",
                                                     "chart"};

// The values the replies hold for `output`, skipping replies without one.
std::vector<const Json*> valuesOf(const std::string& output, const std::vector<Json>& replies) {
  std::vector<const Json*> values;
  for (const auto& data : replies) {
    if (!data.is_object()) continue;
    auto it = data.find(output);
    if (it != data.end() && !it->is_null()) values.push_back(&*it);
  }
  return values;
}

// The text a value is counted under, after the relabelling the args ask for.
std::string labelOf(const Aggregate& aggregate, const Json& value) {
  std::string key = toText(value);
  if (key == "format" || !aggregate.args.is_object()) return key;
  const auto& labels = aggregate.args.get_ref<const Json::object_t&>();
  auto it = labels.find(key);
  return it == labels.end() || it->second.is_null() ? key : toText(it->second);
}

Json sortedItems(const std::map<std::string, std::int64_t>& counts) {
  std::vector<std::pair<std::string, std::int64_t>> items(counts.begin(), counts.end());
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  Json out = Json::array();
  for (const auto& [value, count] : items) out.push_back({{"value", value}, {"count", count}});
  return out;
}

Json summary(const Aggregate& aggregate, const std::vector<const Json*>& values) {
  std::map<std::string, std::int64_t> counts;
  for (const Json* value : values) {
    if (!value->is_array()) {
      ++counts[labelOf(aggregate, *value)];
      continue;
    }
    for (const auto& element : *value) {
      if (!element.is_null()) ++counts[labelOf(aggregate, element)];
    }
  }
  return {{"items", sortedItems(counts)}};
}

Json booleanSummary(const Aggregate& aggregate, const std::vector<const Json*>& values) {
  Json out = summary(aggregate, values);
  std::int64_t trues = 0, falses = 0;
  for (const Json* value : values) {
    std::string text = toText(*value);
    trues += text == "true";
    falses += text == "false";
  }
  out["true"] = trues;
  out["false"] = falses;
  return out;
}

// A number, or a string holding one; integers stay integers.
std::optional<Json> numberOf(const Json& value) {
  if (value.is_number()) return value;
  if (!value.is_string()) return std::nullopt;
  const auto& s = value.get_ref<const std::string&>();
  const char* end = s.data() + s.size();
  std::int64_t integer = 0;
  if (auto r = std::from_chars(s.data(), end, integer); r.ec == std::errc() && r.ptr == end) {
    return Json(integer);
  }
  double real = 0;
  auto r = std::from_chars(s.data(), end, real);
  if (r.ec != std::errc() || r.ptr != end || !std::isfinite(real)) return std::nullopt;
  return Json(real);
}

// Choria plots the numbers as a line graph; here they are counted per value, in value
// order, and shown as a summary. Values that are not numbers are skipped, as in Choria.
Json chart(const std::vector<const Json*>& values) {
  std::map<double, std::pair<std::string, std::int64_t>> counts;
  for (const Json* value : values) {
    auto number = numberOf(*value);
    if (!number || !std::isfinite(number->get<double>())) continue;  // NaN cannot be a key
    auto& entry = counts[number->get<double>()];
    if (entry.second++ == 0) entry.first = toText(*number);
  }
  Json items = Json::array();
  for (const auto& [number, entry] : counts) {
    items.push_back({{"value", entry.first}, {"count", entry.second}});
  }
  return {{"items", items}};
}

// Adds `number` to `total`; false when it is not an int64 or the sum would overflow.
bool addInteger(std::int64_t& total, const Json& number) {
  if (!number.is_number_integer()) return false;
  if (number.is_number_unsigned() && number.get<std::uint64_t>() > INT64_MAX) return false;
  return !__builtin_add_overflow(total, number.get<std::int64_t>(), &total);
}

Json sum(const std::vector<const Json*>& values) {
  std::int64_t integerSum = 0, count = 0;
  double realSum = 0;
  bool integral = true;  // until the first non-integer or overflow
  for (const Json* value : values) {
    auto number = numberOf(*value);
    if (!number) continue;
    ++count;
    realSum += number->get<double>();
    integral = integral && addInteger(integerSum, *number);
  }
  return {{"value", integral ? Json(integerSum) : Json(realSum)}, {"count", count}};
}

Json average(const std::vector<const Json*>& values) {
  Json total = sum(values);
  auto count = total["count"].get<std::int64_t>();
  Json mean = count == 0 ? Json(nullptr) : Json(total["value"].get<double>() / count);
  return {{"value", mean}, {"count", count}};
}

std::string optionFormat(const Aggregate& aggregate) {
  if (!aggregate.args.is_object()) return "";
  auto it = aggregate.args.find("format");
  return it != aggregate.args.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string summaryLines(const std::string& format, const Json& items) {
  std::size_t width = 0;
  for (const auto& item : items) width = std::max(width, toText(item["value"]).size());
  std::string fallback = "%" + std::to_string(std::min<std::size_t>(width, 64)) + "s: %d";
  std::string out;
  for (const auto& item : items) {
    out += formatPrintf(format.empty() ? fallback : format, {item["value"], item["count"]}) + "\n";
  }
  return out;
}

std::string valueLine(const std::string& format, const std::string& name, const Json& value) {
  if (value.is_null()) return name + ": no numeric values\n";
  std::string fallback = name + (value.is_number_integer() ? ": %d" : ": %.3f");
  return formatPrintf(format.empty() ? fallback : format, {value}) + "\n";
}

}  // namespace

bool isKnownAggregateFunction(std::string_view function) {
  return std::find(kFunctions.begin(), kFunctions.end(), function) != kFunctions.end();
}

Json computeAggregate(const Aggregate& aggregate, const std::vector<Json>& replyDatas) {
  auto values = valuesOf(aggregate.output, replyDatas);
  Json result;
  if (aggregate.function == "summary")
    result = summary(aggregate, values);
  else if (aggregate.function == "boolean_summary")
    result = booleanSummary(aggregate, values);
  else if (aggregate.function == "average")
    result = average(values);
  else if (aggregate.function == "sum")
    result = sum(values);
  else if (aggregate.function == "chart")
    result = chart(values);
  else
    result = {{"error", "unsupported aggregate function '" + aggregate.function + "'"}};
  result["function"] = aggregate.function;
  result["output"] = aggregate.output;
  return result;
}

std::string formatAggregate(const Aggregate& aggregate, const Json& result) {
  if (!result.is_object()) return "";
  if (result.contains("error")) return toText(result["error"]) + "\n";
  // Choria's chart format wraps the whole graph, not a value and a count.
  std::string format = aggregate.function == "chart" ? "" : optionFormat(aggregate);
  if (result.contains("items")) return summaryLines(format, result["items"]);
  if (!result.contains("value")) return "";
  return valueLine(format, aggregate.function == "sum" ? "Sum" : "Average", result["value"]);
}

}  // namespace drover::ddl
