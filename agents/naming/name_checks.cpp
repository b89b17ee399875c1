#include "agents/naming/name_checks.hpp"

#include <algorithm>

namespace drover::agents::naming {
namespace {

constexpr std::size_t kMaxService = 40;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxHostName = 253;

bool isLabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

std::string labelProblem(std::string_view label) {
  if (label.empty()) return "has an empty label";
  if (label.size() > kMaxLabel) return "has a label longer than 63 characters";
  if (!std::all_of(label.begin(), label.end(), isLabelChar)) {
    return "may hold only lower-case letters, digits, '-' and '.'";
  }
  if (label.front() == '-' || label.back() == '-') return "has a label starting or ending with '-'";
  return "";
}

// A number as names write it: digits without a leading zero (0 itself is fine).
bool isNumber(std::string_view text) {
  return !text.empty() && text.size() <= 5 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         (text.size() == 1 || text.front() != '0');
}

}  // namespace

std::string serviceProblem(std::string_view service) {
  if (service.empty() || service.size() > kMaxService) return "must have 1 to 40 characters";
  if (!std::all_of(service.begin(), service.end(), isLabelChar)) {
    return "may hold only lower-case letters, digits and '-'";
  }
  if (service.front() < 'a' || service.front() > 'z') return "must start with a letter";
  if (service.back() == '-') return "must not end with '-'";
  if (service.find("--") != std::string_view::npos) return "must not contain '--'";
  return "";
}

std::string hostNameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxHostName) return "is longer than 253 characters";
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = name.find('.', start);
    std::string why = labelProblem(name.substr(start, dot - start));
    if (!why.empty()) return why;
    if (dot == std::string_view::npos) return "";
    start = dot + 1;
  }
}

bool isNameOfService(std::string_view service, std::string_view name) {
  if (service.empty() || name.size() <= service.size() + 1 ||
      name.substr(0, service.size()) != service || name[service.size()] != '-') {
    return false;
  }
  std::string_view rest = name.substr(service.size() + 1);
  if (rest == "master") return true;
  if (rest.substr(0, 6) == "slave-") return isNumber(rest.substr(6));
  return isNumber(rest);
}

}  // namespace drover::agents::naming
