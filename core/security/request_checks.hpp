#pragma once
// The checks every responder makes of a request before it looks at what is asked: a
// node (node/node_core.cpp) and the provisioner's own agent (provisioner/daemon.cpp)
// share them, so neither answers what the other would refuse.
//
//   misaddressed()   where the sender said it may run: its collective, the topic it came
//                    on (the responder's own or its agent's broadcast), and its targets
//   badReplyTopic()  replies go only to a reply topic of the request's collective, so a
//                    caller cannot make a responder publish onto a broadcast or node topic
//   badTime()        a TTL above the responder's longest, a request older than its TTL or
//                    further ahead than the allowed clock skew
// Replays are the ReplayCache's (replay_cache.hpp), checked after the signature.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/envelope/envelope.hpp"

namespace drover::security {

/// Why `request`, which came on `topic`, is not for `identity` serving `collectives`
/// (the topic must be its own or its agent's broadcast); std::nullopt if it is.
std::optional<std::string> misaddressed(const envelope::Envelope& request, std::string_view topic,
                                        std::string_view identity,
                                        const std::vector<std::string>& collectives);

/// Why the request's reply topic is not a reply topic of its collective, or std::nullopt.
std::optional<std::string> badReplyTopic(const envelope::Envelope& request);

struct TimeRefusal {
  std::string_view code;  // ttl_too_long, expired, from_future
  std::string why;
};

/// Whether the message's TTL and time are acceptable at `nowMs`; `kind` names it in the
/// refusal ("request", "registration").
std::optional<TimeRefusal> badTime(const envelope::Envelope& message, std::uint32_t maxTtl,
                                   std::int64_t maxSkewMs, std::int64_t nowMs,
                                   std::string_view kind = "request");

}  // namespace drover::security
