#pragma once
// Topic names mirror NATS subjects so a NATS transport can replace ZeroMQ later.
// ZeroMQ matches subscriptions by prefix, so every topic on the wire ends with
// kDelimiter and every subscription names a full topic: a node subscribed to agent
// `puppet` never receives `puppetca`.
#include <string>
#include <string_view>

namespace drover::bus {

inline constexpr char kDelimiter = '\0';

/// `<collective>.broadcast.agent.<agent>`: requests for every node hosting `agent`.
std::string broadcastTopic(std::string_view collective, std::string_view agent);
/// `<collective>.node.<identity>`: requests addressed to one node.
std::string nodeTopic(std::string_view collective, std::string_view identity);
/// `<collective>.reply.<clientId>`: replies to one client.
std::string replyTopic(std::string_view collective, std::string_view clientId);
/// `<collective>.registration`: node heartbeats.
std::string registrationTopic(std::string_view collective);

/// The bytes sent and subscribed for a topic (topic plus delimiter).
std::string wireTopic(std::string_view topic);
/// The topic of a received frame (delimiter stripped); empty if the frame has none.
std::string_view topicOf(std::string_view wireFrame);

/// True if `name` may appear as one part of a topic: non-empty, at most 255 bytes,
/// no NUL, no whitespace, no '*' or '>' (NATS wildcards), and no empty dot-separated
/// part (a leading or trailing dot, or two in a row), which NATS refuses.
bool validTopicPart(std::string_view name);

}  // namespace drover::bus
