#pragma once
// RpcClient: publishes requests and collects replies, for the CLI and the provisioner.
//
// How a call ends (DESIGN.md, "Discovery and RPC"): with a known node set (direct
// addressing, a node list, or a discovery just made) it ends the moment the last
// expected node answers, or at the timeout naming the silent ones; a broadcast with
// no known set ends after `quiet` of silence following the last reply (or the send),
// never after a fixed wait. Until the first reply arrives the window is longer
// (firstReplyWait), so a loaded fleet is not mistaken for an empty one. A broadcast
// that expects given names (CallSpec::expect) ends as soon as replies have claimed them
// all, as a known set ends with its last node; the quiet window still ends it otherwise.
//
// Where a request may run is signed with it: a call to a known set sends the direct
// form, whose `targets` name the nodes it is for (in signed chunks of
// kTargetsPerRequest, one signature each, all under one request id), so a copy
// re-published on a broadcast topic runs nowhere else. A broadcast carries its filter.
//
// Security: with a ClientSecurity every request is signed and every reply verified
// (certificate chain, dates, revocation, signature or MAC, sender = certificate name,
// role node) before it counts. Requests ask for replies MACed for this client
// (`reply_mac`, core/security/pairwise.hpp): a keyed hash under the key shared with that
// node, derived once per node, checked instead of a signature. A direct request to a
// node heard from before carries, beside its signature, a MAC for that node, which it
// checks instead. A reply counts only if it answers the exact message this client sent
// to that node (its request_digest) and, for a known set, comes from a node of the set;
// one that fails any of this is counted in `rejected` with the reason, and its node
// stays silent. A refusal of a replayed copy never stands in for the original's result.
// Verification of a burst of replies is spread over the machine's cores.
//
// Thread ownership: a Client and its Connection belong to the thread that made it.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/bus/transport.hpp"
#include "core/envelope/envelope.hpp"
#include "core/security/certificate_store.hpp"
#include "core/security/roles.hpp"
#include "core/security/signing.hpp"
#include "core/util/json.hpp"

namespace drover::rpc {

/// What a client signs with and verifies against.
struct ClientSecurity {
  std::shared_ptr<const security::Signer> signer;
  std::shared_ptr<security::CertificateStore> store;
  // The nodes' keys, from their verified replies: a direct request to one of them also
  // carries a MAC for it, which it checks instead of the signature.
  std::shared_ptr<security::PeerKeys> peers = std::make_shared<security::PeerKeys>();

  /// Reads the CA certificate, CRL, our certificate and key. Throws std::runtime_error
  /// naming the file that is missing or broken, or a certificate the CA does not vouch for.
  static std::shared_ptr<const ClientSecurity> fromFiles(const std::filesystem::path& caFile,
                                                         const std::filesystem::path& crlFile,
                                                         const std::filesystem::path& certFile,
                                                         const std::filesystem::path& keyFile);
};

struct NodeReply {
  std::string sender;
  envelope::Status status;
  Json data;
  std::chrono::microseconds latency{0};  // from publishing to arrival
  bool verified = false;                 // signed by `sender`'s valid certificate
  envelope::Timing timing{};             // what the node says its action took
};

/// A request TTL (seconds) covering a wait of `wait`: a node stops an action when its
/// request's TTL runs out (the caller has given up by then), so the TTL outlasts the
/// wait by 30 s of clock-skew margin; at least `floor`, at most 3600 s (the longest TTL
/// nodes accept by default) unless `floor` says more.
std::uint32_t ttlCovering(std::chrono::milliseconds wait,
                          std::chrono::seconds floor = std::chrono::seconds(60));

/// Most identities one signed request names; a larger known set gets several.
inline constexpr std::size_t kTargetsPerRequest = 64;

struct CallSpec {
  std::string agent;
  std::string action;
  Json args = Json::object();
  std::string filter;                             // filter expression; empty: all
  std::optional<std::vector<std::string>> nodes;  // known set: addressed directly
  std::uint32_t ttl = 60;                         // seconds
  std::chrono::milliseconds timeout{10000};       // longest wait for a known set
  std::chrono::milliseconds quiet{150};           // broadcast: silence that ends it
  // Accept replies that carry neither signature nor certificate (verified = false):
  // only for nodes still enrolling, which have no key yet. Forged signatures and
  // untrusted certificates are refused all the same.
  bool acceptUnsigned = false;
  // The role of every certificate that may answer: nodes, or the provisioners for
  // their own agent. A reply signed by any other role is rejected.
  security::Role replier = security::Role::Node;
  // Broadcast: the names that end it early once every one is claimed by a reply (see
  // claimsOf); the ones never claimed are the result's noReply. Empty: quiet ends it.
  std::vector<std::string> expect;
  // Broadcast: ends once this many replies are in, waiting up to `timeout` for them
  // (the quiet window does not apply). 0: no such end.
  std::size_t enough = 0;
};

/// The names a reply answers for: its sender, and each string of its data's `names` list
/// (rpcutil#ping carries a node's service name and aliases there).
std::vector<std::string> claimsOf(const NodeReply& reply);

struct CallResult {
  std::string requestId;
  std::vector<NodeReply> replies;        // in arrival order, one per node
  std::vector<std::string> expected;     // the known set; empty for a broadcast
  std::vector<std::string> noReply;      // expected nodes (or names) left silent, sorted
  std::vector<std::string> unmatched;    // known nodes the filter no longer matches, sorted
  std::size_t duplicates = 0;            // repeated replies from one node, dropped
  std::size_t rejected = 0;              // replies that failed a check (see above), dropped
  std::vector<std::string> rejections;   // why, for the first few of them
  std::uint64_t lost = 0;                // replies the bus dropped: we read too slowly
  bool reconnected = false;              // the bus connection was re-made during the call
  std::chrono::microseconds elapsed{0};  // from publishing to the end of collection
  std::chrono::microseconds lastReply{0};

  std::size_t okCount() const;
  std::size_t failedCount() const;
  /// Appends another batch's outcome (same request shape, other nodes).
  void merge(CallResult other);
};

/// Called for each reply as it arrives: the reply, replies so far, expected (0 if unknown).
using Progress = std::function<void(const NodeReply&, std::size_t, std::size_t)>;

class Client {
 public:
  /// Connects to the bus (the transport `endpoints` names) and waits until the reply
  /// path is live. Throws std::runtime_error naming the endpoints if the bus does not
  /// answer within `connectTimeout`.
  Client(zmq::context_t& context, const bus::Endpoints& endpoints, std::string sender,
         std::string collective,
         std::chrono::milliseconds connectTimeout = std::chrono::milliseconds(5000),
         const bus::ConnectionOptions& options = {},
         std::shared_ptr<const ClientSecurity> security = nullptr);

  /// One request and its replies. Never throws for silent or failing nodes: they
  /// are in the result. Throws std::runtime_error if the request cannot be queued.
  CallResult call(const CallSpec& spec, const Progress& progress = {});

  /// Finds the nodes matching `filter` that host `agent` (rpcutil ping, broadcast).
  std::vector<std::string> discover(const std::string& filter, const std::string& agent,
                                    std::chrono::milliseconds quiet,
                                    std::chrono::milliseconds timeout);

  /// Sends `spec` to its known nodes `batchSize` at a time, sleeping between batches.
  CallResult callInBatches(const CallSpec& spec, std::size_t batchSize,
                           std::chrono::milliseconds sleep, const Progress& progress = {});

  /// Who requests are sent as: the certificate's name when signing.
  const std::string& sender() const { return sender_; }
  const std::string& collective() const { return collective_; }

 private:
  struct Sent;
  struct Arrival;
  envelope::Envelope makeRequest(const CallSpec& spec) const;
  void seal(envelope::Envelope& request) const;
  Sent publish(const CallSpec& spec, envelope::Envelope request);
  // A signed chunk's copies with a MAC for their node: what the MACs cover, and the
  // encoding the latest MAC was written into.
  struct MacedCopies {
    std::string covered;
    std::string copy;
  };
  // The signed `request` encoded with a MAC for `node`, when node's key is known (from
  // its earlier replies); null otherwise. Valid until the next call with `maced`.
  const std::string* macedFor(const std::string& node, const envelope::Envelope& request,
                              MacedCopies& maced) const;
  void collect(const CallSpec& spec, const Sent& sent, CallResult& result,
               const Progress& progress);
  void verifyAll(std::vector<Arrival>& batch, bool acceptUnsigned) const;

  std::shared_ptr<const ClientSecurity> security_;
  std::string sender_;
  std::string collective_;
  std::string replyTopic_;
  std::unique_ptr<bus::Transport> transport_;
};

/// How long a broadcast waits for its first reply before it counts as silence:
/// four quiet windows, at least 500 ms.
std::chrono::milliseconds firstReplyWait(std::chrono::milliseconds quiet);

/// Parses `--limit` ("10" or "20%") against `available` nodes; throws
/// std::invalid_argument naming the value when it is malformed or zero.
std::size_t parseLimit(const std::string& text, std::size_t available);

}  // namespace drover::rpc
