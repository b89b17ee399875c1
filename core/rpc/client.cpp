#include "core/rpc/client.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "core/bus/topics.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"

namespace drover::rpc {
namespace {

using Clock = util::SteadyClock;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

milliseconds until(Clock::time_point deadline) {
  auto left = duration_cast<milliseconds>(deadline - Clock::now());
  return std::max(left, milliseconds(0));
}

}  // namespace

milliseconds firstReplyWait(milliseconds quiet) {
  return std::max(quiet * 4, milliseconds(500));
}

std::size_t CallResult::okCount() const {
  return static_cast<std::size_t>(std::count_if(
      replies.begin(), replies.end(), [](const NodeReply& r) { return r.status.ok(); }));
}

std::size_t CallResult::failedCount() const { return replies.size() - okCount(); }

void CallResult::merge(CallResult other) {
  for (auto& reply : other.replies) replies.push_back(std::move(reply));
  expected.insert(expected.end(), other.expected.begin(), other.expected.end());
  noReply.insert(noReply.end(), other.noReply.begin(), other.noReply.end());
  std::sort(noReply.begin(), noReply.end());
  duplicates += other.duplicates;
  lastReply = elapsed + other.lastReply;
  elapsed += other.elapsed;
}

Client::Client(zmq::context_t& context, const bus::Endpoints& endpoints, std::string sender,
               std::string collective, milliseconds connectTimeout,
               const bus::ConnectionOptions& options)
    : sender_(std::move(sender)),
      collective_(std::move(collective)),
      replyTopic_(bus::replyTopic(collective_, util::randomId())),
      connection_(context, endpoints, options) {
  connection_.subscribe(replyTopic_);
  if (!connection_.waitReady(connectTimeout)) {
    throw std::runtime_error("broker not reachable at " + endpoints.publish + " / " +
                             endpoints.subscribe + " within " +
                             std::to_string(connectTimeout.count()) + " ms");
  }
}

envelope::Envelope Client::makeRequest(const CallSpec& spec) const {
  envelope::Envelope request;
  request.id = util::randomId();
  request.type = envelope::MessageType::Request;
  request.sender = sender_;
  request.collective = collective_;
  request.agent = spec.agent;
  request.action = spec.action;
  request.args = spec.args;
  request.filter = spec.filter;
  request.ttl = spec.ttl;
  request.time = util::nowMs();
  request.replyTo = replyTopic_;
  return request;
}

void Client::publish(const CallSpec& spec, const envelope::Envelope& request) {
  std::string body = envelope::encode(request);
  if (!spec.nodes) {
    if (!connection_.publish(bus::broadcastTopic(collective_, spec.agent), body)) {
      throw std::runtime_error("request could not be queued for the broker");
    }
    return;
  }
  for (const auto& node : *spec.nodes) {
    if (!connection_.publish(bus::nodeTopic(collective_, node), body)) {
      throw std::runtime_error("request to " + node + " could not be queued for the broker");
    }
  }
}

CallResult Client::call(const CallSpec& spec, const Progress& progress) {
  CallResult result;
  envelope::Envelope request = makeRequest(spec);
  result.requestId = request.id;
  if (spec.nodes) result.expected = *spec.nodes;
  if (spec.nodes && spec.nodes->empty()) return result;
  publish(spec, request);
  collect(spec, result, progress);
  return result;
}

void Client::collect(const CallSpec& spec, CallResult& result, const Progress& progress) {
  auto start = Clock::now();
  auto hardDeadline = start + spec.timeout;
  std::unordered_set<std::string> pending(result.expected.begin(), result.expected.end());
  std::unordered_set<std::string> answered;
  const bool known = spec.nodes.has_value();
  // The first reply may need longer than the gap between replies (a loaded node,
  // a busy broker fanning out to thousands): wait a little longer for it.
  auto quietDeadline = start + firstReplyWait(spec.quiet);
  for (;;) {
    if (known && pending.empty()) break;
    auto deadline = known ? hardDeadline : std::min(hardDeadline, quietDeadline);
    auto message = connection_.receive(until(deadline));
    if (!message) break;
    if (message->topic != replyTopic_) continue;
    envelope::Envelope reply;
    try {
      reply = envelope::decode(message->body);
    } catch (const envelope::DecodeError&) {
      continue;  // a malformed reply is not an answer; the node shows as silent
    }
    if (reply.type != envelope::MessageType::Reply || reply.requestId != result.requestId) continue;
    if (!answered.insert(reply.sender).second) {
      ++result.duplicates;
      continue;
    }
    pending.erase(reply.sender);
    auto now = Clock::now();
    quietDeadline = now + spec.quiet;
    result.lastReply = duration_cast<microseconds>(now - start);
    result.replies.push_back({reply.sender, std::move(reply.status), std::move(reply.data),
                              result.lastReply});
    if (progress) progress(result.replies.back(), result.replies.size(), result.expected.size());
  }
  result.elapsed = duration_cast<microseconds>(Clock::now() - start);
  result.noReply.assign(pending.begin(), pending.end());
  std::sort(result.noReply.begin(), result.noReply.end());
}

std::vector<std::string> Client::discover(const std::string& filter, const std::string& agent,
                                          milliseconds quiet, milliseconds timeout) {
  CallSpec spec;
  spec.agent = "rpcutil";
  spec.action = "ping";
  spec.filter = filter;
  if (!agent.empty() && agent != "rpcutil") {
    std::string hosts = "agent(\"" + agent + "\")";
    spec.filter = filter.empty() ? hosts : "(" + filter + ") and " + hosts;
  }
  spec.quiet = quiet;
  spec.timeout = timeout;
  CallResult result = call(spec);
  std::vector<std::string> nodes;
  for (const auto& reply : result.replies) nodes.push_back(reply.sender);
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

CallResult Client::callInBatches(const CallSpec& spec, std::size_t batchSize, milliseconds sleep,
                                 const Progress& progress) {
  if (!spec.nodes || batchSize == 0) return call(spec, progress);
  CallResult total;
  const auto& nodes = *spec.nodes;
  for (std::size_t first = 0; first < nodes.size(); first += batchSize) {
    if (first > 0) std::this_thread::sleep_for(sleep);
    CallSpec batch = spec;
    auto last = std::min(nodes.size(), first + batchSize);
    batch.nodes = std::vector<std::string>(nodes.begin() + static_cast<long>(first),
                                           nodes.begin() + static_cast<long>(last));
    CallResult part = call(batch, progress);
    if (total.requestId.empty()) total.requestId = part.requestId;
    total.merge(std::move(part));
  }
  return total;
}

std::size_t parseLimit(const std::string& text, std::size_t available) {
  bool percent = !text.empty() && text.back() == '%';
  std::string digits = percent ? text.substr(0, text.size() - 1) : text;
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; }) ||
      digits.size() > 9) {
    throw std::invalid_argument("--limit '" + text + "': expected a count like 10 or a share like 20%");
  }
  std::size_t value = std::stoul(digits);
  if (value == 0 || (percent && value > 100)) {
    throw std::invalid_argument("--limit '" + text + "': must be at least 1" +
                                (percent ? std::string(" and at most 100%") : std::string()));
  }
  if (!percent) return std::min(value, available);
  return std::max<std::size_t>(available ? 1 : 0, (available * value + 99) / 100);
}

}  // namespace drover::rpc
