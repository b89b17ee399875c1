#pragma once
// Envelope v1: the one message shape on the bus (DESIGN.md, "Bus and wire protocol").
// Encoded as a msgpack map with short string keys; unknown keys are ignored so later
// versions can add fields, and an unknown `v` is reported, never guessed at.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::envelope {

inline constexpr int kVersion = 1;
/// Largest encoded envelope a decoder accepts (bigger frames are refused unread).
inline constexpr std::size_t kMaxEncodedSize = 4 * 1024 * 1024;

/// Bounds on the fields an attacker writes and a node logs or keeps; decode() refuses
/// a message past any of them. Ids are exactly kIdLength lowercase hex characters.
inline constexpr std::size_t kIdLength = 32;
inline constexpr std::size_t kMaxNameLength = 255;   // sender, each target
inline constexpr std::size_t kMaxWordLength = 64;    // collective, agent, action
inline constexpr std::size_t kMaxTopicLength = 512;  // reply_to
inline constexpr std::size_t kMaxFilterLength = 65536;
inline constexpr std::size_t kMaxTargets = 1024;  // identities in one request
inline constexpr std::size_t kMaxCertificateSize = 16384;
inline constexpr std::size_t kMaxSignatureSize = 128;
inline constexpr std::size_t kDigestSize = 32;  // SHA-256
inline constexpr std::size_t kMacSize = 32;     // keyed BLAKE2b (core/security/pairwise.hpp)

enum class MessageType { Request, Reply, Registration };

std::string_view toString(MessageType type);

/// Reply status codes, in the spirit of MCollective's RPC statuses.
enum class StatusCode : int {
  Ok = 0,
  Aborted = 1,        // the agent ran and reported failure
  UnknownAction = 2,  // agent or action not on this node
  MissingData = 3,    // a required input is absent
  InvalidData = 4,    // an input broke a DDL rule
  UnknownError = 5,   // the agent crashed, timed out or produced bad output
  Refused = 6,        // expired, replayed, unauthorized or unsupported version
  Busy = 7,           // the node's work queue is full
};

/// The `refused` word of a Refused reply from a node addressed directly whose facts no
/// longer match the request's filter (a registry lookup older than the node's change):
/// the client lists it apart, as neither a failure nor a silent node.
inline constexpr const char* kFilterMismatch = "filter_mismatch";

struct Status {
  StatusCode code = StatusCode::Ok;
  std::string message;
  bool ok() const { return code == StatusCode::Ok; }
};

/// On a reply: how long the request waited on the node for a worker, how long the agent
/// took over the action, and how much of that went to the programs the action ran
/// (Puppet, a CA command, an external agent), so a caller can tell their time from the
/// node's own and from the bus's. All zero when the reply does not say (refusals, nodes
/// of earlier builds).
struct Timing {
  std::uint64_t queuedUs = 0;
  std::uint64_t actionUs = 0;
  std::uint64_t programUs = 0;
  std::uint32_t programs = 0;  // how many programs ran
  bool said() const { return queuedUs != 0 || actionUs != 0 || programUs != 0 || programs != 0; }
  bool operator==(const Timing&) const = default;
};
/// Largest queuedUs, actionUs or programUs a decoder accepts: about 35 years.
inline constexpr std::uint64_t kMaxTimingUs = std::uint64_t{1} << 50;

struct Envelope {
  int v = kVersion;
  std::string id;  // 128-bit random, hex
  MessageType type = MessageType::Request;
  std::string sender;  // certificate name of the caller (request) or node (reply)
  std::string collective;
  std::string agent;
  std::string action;
  Json args = Json::object();
  std::string filter;  // filter expression (core/filter), empty matches every node
  // Direct form: the identities this request may run on, and only there; a copy
  // published anywhere else is ignored by every other node. Empty: a broadcast, which
  // runs where `filter` matches.
  std::vector<std::string> targets;
  std::uint32_t ttl = 60;     // seconds the request stays valid after `time`
  std::int64_t time = 0;      // ms since the Unix epoch, set by the sender
  std::string replyTo;        // reply topic of the caller
  std::string requestId;      // on replies: id of the request answered
  std::string requestDigest;  // on replies: requestDigest() of the exact request answered
  Status status;              // on replies
  Json data = Json::object();
  Timing timing;  // on replies; sent only when said()
  // On requests: the caller takes a reply authenticated with `mac` instead of `sig`.
  bool replyMac = false;
  std::string cert;  // DER certificate of `sender`, covered by the signature
  std::string sig;   // signature bytes over signingBytes(); empty when unsigned
  // A MAC over signingBytes() under the key the sender shares with the one recipient
  // (core/security/pairwise.hpp): on a reply to a request with `replyMac`, in place of
  // `sig`; on a request to one node whose key the caller knows, beside `sig`, so that
  // node checks the MAC instead of the signature.
  std::string mac;
};

/// Thrown by decode(); the message says what was wrong and where.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown by decode() for a map whose `v` this build does not speak. Nothing else of
/// it is read: it cannot be authenticated, so nothing in it is answered or trusted.
class VersionError : public DecodeError {
 public:
  using DecodeError::DecodeError;
};

/// Encodes an envelope. Throws std::invalid_argument if a field cannot be encoded.
/// A non-empty `mac` of kMacSize bytes is encoded last: it is the encoding's last
/// kMacSize bytes, so one encoding serves every recipient with its own MAC put there.
std::string encode(const Envelope& env);

/// Decodes bytes from the network. Never trusts sizes or nesting from the input, and
/// refuses any field past its bound above. The version is read first: for an unknown
/// `v` nothing else is. Throws VersionError for an unknown `v`, DecodeError for
/// anything else malformed; error texts quote received bytes only clipped.
Envelope decode(std::string_view bytes);

/// The bytes a signature or MAC covers: the whole envelope, `cert` included, without
/// `sig` and `mac`.
std::string signingBytes(const Envelope& env);

/// SHA-256 of signingBytes(request): names the exact message a reply answers, so a
/// reply to a look-alike (same id, other signer or other content) is told apart.
std::string requestDigest(const Envelope& request);

/// True if `id` is kIdLength lowercase hex characters, as util::randomId() makes.
bool isValidId(std::string_view id);

/// Builds the reply to `request` from `sender` with the given status and data; it
/// carries the request's id and requestDigest().
Envelope makeReply(const Envelope& request, const std::string& sender, Status status,
                   Json data = Json::object());

}  // namespace drover::envelope
