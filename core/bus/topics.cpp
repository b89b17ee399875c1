#include "core/bus/topics.hpp"

#include <algorithm>

namespace drover::bus {
namespace {

std::string join(std::string_view a, std::string_view b, std::string_view c) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size() + 2);
  out.append(a).append(".").append(b);
  if (!c.empty()) out.append(".").append(c);
  return out;
}

}  // namespace

std::string broadcastTopic(std::string_view collective, std::string_view agent) {
  return join(collective, "broadcast.agent", agent);
}

std::string nodeTopic(std::string_view collective, std::string_view identity) {
  return join(collective, "node", identity);
}

std::string replyTopic(std::string_view collective, std::string_view clientId) {
  return join(collective, "reply", clientId);
}

std::string registrationTopic(std::string_view collective) {
  return join(collective, "registration", "");
}

std::string wireTopic(std::string_view topic) {
  std::string out(topic);
  out.push_back(kDelimiter);
  return out;
}

std::string_view topicOf(std::string_view wireFrame) {
  if (wireFrame.empty() || wireFrame.back() != kDelimiter) return {};
  return wireFrame.substr(0, wireFrame.size() - 1);
}

bool validTopicPart(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  // NATS splits subjects at dots: an empty part makes the subject invalid there.
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '*' || c == '>';
  });
}

}  // namespace drover::bus
