#include "core/rpc/client.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "core/bus/topics.hpp"
#include "core/log/log.hpp"
#include "core/log/throttle.hpp"
#include "core/rpc/call_builder.hpp"
#include "core/security/roles.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
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

// Replies taken off the socket in one go, at most: bounds the work between two
// looks at the deadline.
constexpr std::size_t kMaxBatch = 2048;
// Below this many replies, starting threads costs more than verifying on this one.
constexpr std::size_t kParallelFrom = 16;
constexpr std::size_t kMaxRejectionsKept = 10;

const log::Logger logger{"drover.rpc"};

std::runtime_error fileError(const char* what, const std::filesystem::path& file,
                             const std::string& why) {
  return std::runtime_error(std::string(what) + " " + file.string() + ": " + why);
}

}  // namespace

std::shared_ptr<const ClientSecurity> ClientSecurity::fromFiles(
    const std::filesystem::path& caFile, const std::filesystem::path& crlFile,
    const std::filesystem::path& certFile, const std::filesystem::path& keyFile) {
  auto out = std::make_shared<ClientSecurity>();
  try {
    out->store = security::CertificateStore::open(caFile, crlFile);
  } catch (const std::exception& e) {
    throw fileError("CA certificate / CRL", caFile.string() + ", " + crlFile.string(), e.what());
  }
  try {
    out->signer =
        std::make_shared<const security::Signer>(security::Signer::fromFiles(keyFile, certFile));
  } catch (const std::exception& e) {
    throw fileError("certificate", certFile,
                    std::string(e.what()) + " (key " + keyFile.string() + ")");
  }
  // Refuse to send what every node would refuse: an expired, revoked or foreign
  // certificate is reported here, once, instead of as silence from the fleet.
  try {
    out->store->verify(out->signer->certificateDer(), util::nowMs());
  } catch (const std::exception& e) {
    throw fileError("certificate", certFile, e.what());
  }
  return out;
}

// What a call sent: the digest each node's reply must carry (the one of the signed
// chunk that named it), or the broadcast's one digest.
struct Client::Sent {
  std::string broadcastDigest;
  std::unordered_map<std::string, std::string> digestByNode;
  bool known = false;

  /// The digest a reply from `node` must carry; null for a node nobody asked.
  const std::string* digestFor(const std::string& node) const {
    if (!known) return &broadcastDigest;
    auto it = digestByNode.find(node);
    return it == digestByNode.end() ? nullptr : &it->second;
  }
};

struct Client::Arrival {
  envelope::Envelope reply;
  Clock::time_point at;
  std::string error;  // why verification failed; empty when it held or was not asked
  bool verified = false;
  security::Role role;  // of the certificate, when verified
};

void Client::verifyAll(std::vector<Arrival>& batch, bool acceptUnsigned) const {
  if (!security_) return;
  auto verifyOne = [&](Arrival& arrival) {
    const auto& reply = arrival.reply;
    if (acceptUnsigned && reply.sig.empty() && reply.mac.empty() && reply.cert.empty()) return;
    try {
      auto principal = security::verifyEnvelope(reply, *security_->store, util::nowMs(),
                                                security_->signer.get());
      arrival.role = principal.role;
      arrival.verified = true;
      if (security_->peers && principal.role == security::Role::Node) {
        security_->peers->learn(principal.name, security::rawPublicKey(principal.publicKey.get()));
      }
    } catch (const std::exception& e) {
      arrival.error = "reply from '" + reply.sender + "' refused: " + e.what();
    }
  };
  // Only checks that cost a public-key operation are worth another thread: a MACed reply
  // from a node whose key is known costs ~2 µs, less than starting a thread does.
  auto costly = std::count_if(batch.begin(), batch.end(), [&](const Arrival& arrival) {
    return arrival.reply.mac.empty() || !security_->peers ||
           security_->peers->find(arrival.reply.sender).empty();
  });
  std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (static_cast<std::size_t>(costly) < kParallelFrom || cores == 1) {
    for (auto& arrival : batch) verifyOne(arrival);
    return;
  }
  // Signature and key agreement checks dominate a large call's cost: share them out.
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < batch.size(); i = next++) verifyOne(batch[i]);
  };
  std::vector<std::jthread> helpers;
  for (std::size_t i = 1; i < std::min(cores, batch.size() / (kParallelFrom / 2)); ++i) {
    helpers.emplace_back(work);
  }
  work();
}

std::uint32_t ttlCovering(milliseconds wait, std::chrono::seconds floor) {
  constexpr std::int64_t kSkewMargin = 30, kNodeMaxTtl = 3600;
  std::int64_t covering = std::chrono::ceil<std::chrono::seconds>(wait).count() + kSkewMargin;
  return static_cast<std::uint32_t>(
      std::max<std::int64_t>(floor.count(), std::min(covering, kNodeMaxTtl)));
}

milliseconds firstReplyWait(milliseconds quiet) { return std::max(quiet * 4, milliseconds(500)); }

std::vector<std::string> claimsOf(const NodeReply& reply) {
  std::vector<std::string> names{reply.sender};
  if (!reply.data.is_object()) return names;
  auto listed = reply.data.find("names");
  if (listed == reply.data.end() || !listed->is_array()) return names;
  for (const auto& name : *listed) {
    if (name.is_string()) names.push_back(name.get<std::string>());
  }
  return names;
}

std::size_t CallResult::okCount() const {
  return static_cast<std::size_t>(std::count_if(replies.begin(), replies.end(),
                                                [](const NodeReply& r) { return r.status.ok(); }));
}

std::size_t CallResult::failedCount() const { return replies.size() - okCount(); }

void CallResult::merge(CallResult other) {
  for (auto& reply : other.replies) replies.push_back(std::move(reply));
  expected.insert(expected.end(), other.expected.begin(), other.expected.end());
  noReply.insert(noReply.end(), other.noReply.begin(), other.noReply.end());
  std::sort(noReply.begin(), noReply.end());
  unmatched.insert(unmatched.end(), other.unmatched.begin(), other.unmatched.end());
  std::sort(unmatched.begin(), unmatched.end());
  duplicates += other.duplicates;
  rejected += other.rejected;
  for (auto& why : other.rejections) {
    if (rejections.size() < kMaxRejectionsKept) rejections.push_back(std::move(why));
  }
  lost += other.lost;
  reconnected = reconnected || other.reconnected;
  lastReply = elapsed + other.lastReply;
  elapsed += other.elapsed;
}

namespace {

// A call reports a reconnection during it: replies may have been lost in between.
bus::ConnectionOptions withReconnects(bus::ConnectionOptions options) {
  options.monitorReconnects = true;
  return options;
}

}  // namespace

Client::Client(zmq::context_t& context, const bus::Endpoints& endpoints, std::string sender,
               std::string collective, milliseconds connectTimeout,
               const bus::ConnectionOptions& options,
               std::shared_ptr<const ClientSecurity> security)
    : security_(std::move(security)),
      sender_(security_ && security_->signer ? security_->signer->name() : std::move(sender)),
      collective_(std::move(collective)),
      replyTopic_(bus::replyTopic(collective_, util::randomId())),
      transport_(bus::connect(context, endpoints, withReconnects(options))) {
  transport_->subscribe(replyTopic_);
  if (!transport_->waitReady(connectTimeout)) {
    std::string problem = transport_->problem();
    throw std::runtime_error("the bus is not reachable at " + endpoints.describe() + " within " +
                             std::to_string(connectTimeout.count()) + " ms" +
                             (problem.empty() ? "" : " (" + problem + ")"));
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
  // A node that verified our certificate can answer with a MAC only we can check:
  // ~1 µs per reply here instead of a signature check's ~50 µs.
  request.replyMac = security_ && security_->signer;
  return request;
}

void Client::seal(envelope::Envelope& request) const {
  if (security_ && security_->signer) security::signEnvelope(request, *security_->signer);
}

Client::Sent Client::publish(const CallSpec& spec, envelope::Envelope request) {
  Sent sent;
  if (!spec.nodes) {
    seal(request);
    sent.broadcastDigest = envelope::requestDigest(request);
    if (!transport_->publish(bus::broadcastTopic(collective_, spec.agent),
                             envelope::encode(request))) {
      throw std::runtime_error("request could not be queued for the bus");
    }
    return sent;
  }
  sent.known = true;
  const auto& nodes = *spec.nodes;
  for (std::size_t first = 0; first < nodes.size(); first += kTargetsPerRequest) {
    auto last =
        nodes.begin() + static_cast<long>(std::min(nodes.size(), first + kTargetsPerRequest));
    request.targets.assign(nodes.begin() + static_cast<long>(first), last);
    seal(request);
    std::string digest = envelope::requestDigest(request);
    std::string body = envelope::encode(request);
    MacedCopies maced;
    for (const auto& node : request.targets) {
      sent.digestByNode.emplace(node, digest);
      const std::string* copy = macedFor(node, request, maced);
      if (!transport_->publish(bus::nodeTopic(collective_, node), copy ? *copy : body)) {
        throw std::runtime_error("request to " + node + " could not be queued for the bus");
      }
    }
  }
  return sent;
}

const std::string* Client::macedFor(const std::string& node, const envelope::Envelope& request,
                                    MacedCopies& maced) const {
  if (!security_ || !security_->signer || !security_->peers) return nullptr;
  std::string key = security_->peers->find(node);
  if (key.empty()) return nullptr;
  if (maced.covered.empty()) {
    // Encoded once per chunk with a MAC's room at its end (encode() puts it last); each
    // node's copy is that with its own MAC written in.
    maced.covered = envelope::signingBytes(request);
    envelope::Envelope withRoom = request;
    withRoom.mac.assign(envelope::kMacSize, '\0');
    maced.copy = envelope::encode(withRoom);
  }
  std::string mac = security_->signer->pairwise().mac(key, maced.covered);
  if (mac.size() != envelope::kMacSize) return nullptr;
  std::copy(mac.begin(), mac.end(), maced.copy.end() - static_cast<long>(envelope::kMacSize));
  return &maced.copy;
}

namespace {

// Each node once, in the order given: a node named twice would see its second copy
// as a replay.
std::vector<std::string> uniqueNodes(const std::vector<std::string>& nodes) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& node : nodes) {
    if (seen.insert(node).second) out.push_back(node);
  }
  return out;
}

// Why a verified reply still does not count, or empty when it does.
std::string unacceptable(const envelope::Envelope& reply, security::Role role,
                         security::Role replier, const std::string* digest) {
  const std::string who = "reply from '" + log::clip(reply.sender) + "'";
  if (digest == nullptr) return who + " refused: that node was not asked";
  if (role != replier) {
    return who + " refused: its certificate has role " + std::string(security::toString(role)) +
           ", not " + std::string(security::toString(replier));
  }
  if (reply.requestDigest != *digest) {
    return who + " refused: it answers another message than the one sent to that node";
  }
  // A node answers the exact message once; a "replayed" refusal is about a copy.
  if (reply.status.code == envelope::StatusCode::Refused && reply.data.is_object() &&
      reply.data.value("refused", "") == "replayed") {
    return who + " ignored: it refuses a replayed copy, not the request sent";
  }
  return {};
}

}  // namespace

CallResult Client::call(const CallSpec& spec, const Progress& progress) {
  // What the bus lost before this call is not this call's loss.
  (void)transport_->takeDropped();
  (void)transport_->takeReconnected();
  CallResult result;
  envelope::Envelope request = makeRequest(spec);
  result.requestId = request.id;
  if (!spec.nodes) {
    Sent sent = publish(spec, std::move(request));
    collect(spec, sent, result, progress);
    return result;
  }
  CallSpec unique = spec;
  unique.nodes = uniqueNodes(*spec.nodes);
  result.expected = *unique.nodes;
  if (result.expected.empty()) return result;
  Sent sent = publish(unique, std::move(request));
  collect(unique, sent, result, progress);
  return result;
}

void Client::collect(const CallSpec& spec, const Sent& sent, CallResult& result,
                     const Progress& progress) {
  auto start = Clock::now();
  auto hardDeadline = start + spec.timeout;
  std::unordered_set<std::string> pending(result.expected.begin(), result.expected.end());
  std::unordered_set<std::string> answered;
  const bool known = spec.nodes.has_value();
  // A known set waits for its nodes, a broadcast for the names it expects, if any.
  if (!known) pending.insert(spec.expect.begin(), spec.expect.end());
  const bool endsWhenClaimed = known || !spec.expect.empty();
  // The first reply may need longer than the gap between replies (a loaded node,
  // a busy broker fanning out to thousands): wait a little longer for it.
  auto quietDeadline = start + firstReplyWait(spec.quiet);
  std::vector<Arrival> batch;
  auto take = [&](const bus::Message& message) {
    if (message.topic != replyTopic_) return;
    envelope::Envelope reply;
    try {
      reply = envelope::decode(message.body);
    } catch (const envelope::DecodeError&) {
      return;  // a malformed reply is not an answer; the node shows as silent
    }
    if (reply.type != envelope::MessageType::Reply || reply.requestId != result.requestId) return;
    batch.push_back({std::move(reply), Clock::now(), {}, false, spec.replier});
  };
  for (;;) {
    if (endsWhenClaimed && pending.empty()) break;
    if (spec.enough > 0 && result.replies.size() >= spec.enough) break;
    auto deadline = known || spec.enough > 0 ? hardDeadline : std::min(hardDeadline, quietDeadline);
    auto message = transport_->receive(until(deadline));
    if (!message) break;
    batch.clear();
    take(*message);
    while (batch.size() < kMaxBatch) {
      auto more = transport_->tryReceive();
      if (!more) break;
      take(*more);
    }
    verifyAll(batch, spec.acceptUnsigned);
    bool answeredNow = false;
    for (auto& arrival : batch) {
      auto& reply = arrival.reply;
      if (arrival.error.empty()) {
        arrival.error =
            unacceptable(reply, arrival.role, spec.replier, sent.digestFor(reply.sender));
      }
      // Only a verified reply to what was sent may claim a node: a forgery, or an
      // answer to a copy, must not hide the real one.
      if (!arrival.error.empty()) {
        ++result.rejected;
        // The first few are logged and kept: a stream of forgeries must not flood.
        if (result.rejections.size() < kMaxRejectionsKept) {
          logger()->warn("{}", arrival.error);
          result.rejections.push_back(std::move(arrival.error));
        }
        continue;
      }
      if (!answered.insert(reply.sender).second) {
        ++result.duplicates;
        continue;
      }
      // Addressed from a lookup its facts have since left: it ran nothing.
      if (known && reply.status.code == envelope::StatusCode::Refused && reply.data.is_object() &&
          reply.data.value("refused", "") == envelope::kFilterMismatch) {
        result.unmatched.push_back(reply.sender);
        pending.erase(reply.sender);
        continue;
      }
      answeredNow = true;
      result.lastReply = duration_cast<microseconds>(arrival.at - start);
      result.replies.push_back({reply.sender, std::move(reply.status), std::move(reply.data),
                                result.lastReply, arrival.verified, reply.timing});
      if (known) {
        pending.erase(result.replies.back().sender);
      } else {
        for (const auto& name : claimsOf(result.replies.back())) pending.erase(name);
      }
      if (progress) progress(result.replies.back(), result.replies.size(), result.expected.size());
    }
    // Only answers extend a broadcast: a stream of forgeries must not keep it open.
    if (answeredNow) quietDeadline = Clock::now() + spec.quiet;
  }
  result.elapsed = duration_cast<microseconds>(Clock::now() - start);
  result.lost = transport_->takeDropped();
  result.reconnected = transport_->takeReconnected();
  result.noReply.assign(pending.begin(), pending.end());
  std::sort(result.noReply.begin(), result.noReply.end());
  std::sort(result.unmatched.begin(), result.unmatched.end());
}

std::vector<std::string> Client::discover(const std::string& filter, const std::string& agent,
                                          milliseconds quiet, milliseconds timeout) {
  CallResult result = call(rpc::discovery(filter, agent).quiet(quiet).timeout(timeout).build());
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
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; }) ||
      digits.size() > 9) {
    throw std::invalid_argument("--limit '" + text +
                                "': expected a count like 10 or a share like 20%");
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
