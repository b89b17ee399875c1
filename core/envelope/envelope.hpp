#pragma once
// Envelope v1: the one message shape on the bus (DESIGN.md, "Bus and wire protocol").
// Encoded as a msgpack map with short string keys; unknown keys are ignored so later
// versions can add fields, and an unknown `v` is reported, never guessed at.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/util/json.hpp"

namespace drover::envelope {

inline constexpr int kVersion = 1;
/// Largest encoded envelope a decoder accepts (bigger frames are refused unread).
inline constexpr std::size_t kMaxEncodedSize = 4 * 1024 * 1024;

enum class MessageType { Request, Reply, Registration };

std::string_view toString(MessageType type);

/// Reply status codes, in the spirit of MCollective's RPC statuses.
enum class StatusCode : int {
  Ok = 0,
  Aborted = 1,         // the agent ran and reported failure
  UnknownAction = 2,   // agent or action not on this node
  MissingData = 3,     // a required input is absent
  InvalidData = 4,     // an input broke a DDL rule
  UnknownError = 5,    // the agent crashed, timed out or produced bad output
  Refused = 6,         // expired, replayed, unauthorized or unsupported version
  Busy = 7,            // the node's work queue is full
};

struct Status {
  StatusCode code = StatusCode::Ok;
  std::string message;
  bool ok() const { return code == StatusCode::Ok; }
};

struct Envelope {
  int v = kVersion;
  std::string id;          // 128-bit random, hex
  MessageType type = MessageType::Request;
  std::string sender;      // certificate name of the caller (request) or node (reply)
  std::string collective;
  std::string agent;
  std::string action;
  Json args = Json::object();
  std::string filter;      // filter expression (core/filter), empty matches every node
  std::uint32_t ttl = 60;  // seconds the request stays valid after `time`
  std::int64_t time = 0;   // ms since the Unix epoch, set by the sender
  std::string replyTo;     // reply topic of the caller
  std::string requestId;   // on replies: id of the request answered
  Status status;           // on replies
  Json data = Json::object();
  std::string cert;        // DER certificate of `sender`, covered by the signature
  std::string sig;         // signature bytes over signingBytes(); empty when unsigned
};

/// Thrown by decode(); the message says what was wrong and where.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown by decode() for a well-formed envelope of a version this build does not
/// speak. Carries enough (id, sender, reply_to) to answer with a clear error reply.
class VersionError : public DecodeError {
 public:
  VersionError(const std::string& what, Envelope partial)
      : DecodeError(what), partial_(std::move(partial)) {}
  const Envelope& partial() const { return partial_; }

 private:
  Envelope partial_;
};

/// Encodes an envelope. Throws std::invalid_argument if a field cannot be encoded.
std::string encode(const Envelope& env);

/// Decodes bytes from the network. Never trusts sizes or nesting from the input.
/// Throws VersionError for an unknown `v`, DecodeError for anything else malformed.
Envelope decode(std::string_view bytes);

/// The bytes a signature covers: the whole envelope, `cert` included, without `sig`.
std::string signingBytes(const Envelope& env);

/// Builds the reply to `request` from `sender` with the given status and data.
Envelope makeReply(const Envelope& request, const std::string& sender, Status status,
                   Json data = Json::object());

}  // namespace drover::envelope
