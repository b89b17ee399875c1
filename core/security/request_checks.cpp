#include "core/security/request_checks.hpp"

#include <algorithm>

#include "core/bus/topics.hpp"
#include "core/log/throttle.hpp"
#include "core/security/replay_cache.hpp"
#include "core/security/verify_error.hpp"

namespace drover::security {

std::optional<std::string> misaddressed(const envelope::Envelope& request, std::string_view topic,
                                        std::string_view identity,
                                        const std::vector<std::string>& collectives) {
  if (request.type != envelope::MessageType::Request) return "not a request";
  if (std::find(collectives.begin(), collectives.end(), request.collective) == collectives.end()) {
    return "collective '" + request.collective + "' is not served here";
  }
  if (topic != bus::nodeTopic(request.collective, identity) &&
      topic != bus::broadcastTopic(request.collective, request.agent)) {
    return "arrived on topic '" + log::clip(topic) + "', which is neither " +
           std::string(identity) + "'s nor agent " + log::clip(request.agent) + "'s broadcast";
  }
  if (!request.targets.empty() && std::find(request.targets.begin(), request.targets.end(),
                                            identity) == request.targets.end()) {
    return "addressed to " + std::to_string(request.targets.size()) +
           " other node(s), not this one";
  }
  return std::nullopt;
}

std::optional<std::string> badReplyTopic(const envelope::Envelope& request) {
  const std::string prefix = bus::replyTopic(request.collective, "") + ".";
  if (request.replyTo.size() > prefix.size() &&
      request.replyTo.compare(0, prefix.size(), prefix) == 0 &&
      bus::validTopicPart(request.replyTo)) {
    return std::nullopt;
  }
  return "reply topic '" + log::clip(request.replyTo) + "' is not a reply topic of '" +
         log::clip(request.collective) + "'";
}

std::optional<TimeRefusal> badTime(const envelope::Envelope& request, std::uint32_t maxTtl,
                                   std::int64_t maxSkewMs, std::int64_t nowMs,
                                   std::string_view kind) {
  if (request.ttl > maxTtl) {
    return TimeRefusal{"ttl_too_long", "ttl " + std::to_string(request.ttl) +
                                           " s exceeds the maximum of " + std::to_string(maxTtl) +
                                           " s here"};
  }
  try {
    checkFreshness(request.time, request.ttl, nowMs, maxSkewMs,
                   std::string(kind) + " " + log::clip(request.id) + " from '" +
                       log::clip(request.sender) + "'");
  } catch (const VerifyError& e) {
    const bool stale = e.reason() == VerifyError::Reason::Stale;
    return TimeRefusal{stale ? "expired" : "from_future", e.what()};
  }
  return std::nullopt;
}

}  // namespace drover::security
