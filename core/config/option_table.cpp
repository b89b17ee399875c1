#include "core/config/option_table.hpp"

#include <algorithm>

namespace drover::config {

OptionSpec& OptionSpec::between(double min, double max) {
  range = Range{min, max};
  return *this;
}

OptionSpec& OptionSpec::checkedBy(Check rule) {
  check = std::move(rule);
  return *this;
}

OptionSpec& OptionSpec::defaultShownAs(std::string text) {
  shownDefault = std::move(text);
  return *this;
}

std::string flagFor(const std::string& key) {
  std::string flag = "--" + key;
  std::replace(flag.begin(), flag.end(), '.', '-');
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

}  // namespace drover::config
