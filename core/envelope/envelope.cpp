#include "core/envelope/envelope.hpp"

#include <algorithm>
#include <limits>

#include <sodium.h>
#include <msgpack.hpp>

#include "core/log/throttle.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"

namespace drover::envelope {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

// Limits applied while unpacking untrusted bytes, so a few bytes claiming a huge
// array or a deep nesting cannot make the decoder allocate or recurse without bound.
// The depth leaves room for the deepest payload another decoder accepts: a facts file
// may nest 64 levels (facts::kMaxDepth), and registrations carry it at envelope.data.facts.
const msgpack::unpack_limit kLimits(/*array=*/100000, /*map=*/100000, /*str=*/kMaxEncodedSize,
                                    /*bin=*/kMaxEncodedSize, /*ext=*/0, /*depth=*/100);

void packJson(Packer& pk, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: pk.pack_nil(); break;
    case Json::value_t::boolean: pk.pack(value.get<bool>()); break;
    case Json::value_t::number_integer: pk.pack(value.get<std::int64_t>()); break;
    case Json::value_t::number_unsigned: pk.pack(value.get<std::uint64_t>()); break;
    case Json::value_t::number_float: pk.pack(value.get<double>()); break;
    case Json::value_t::string: pk.pack(value.get_ref<const std::string&>()); break;
    case Json::value_t::array:
      pk.pack_array(static_cast<std::uint32_t>(value.size()));
      for (const auto& item : value) packJson(pk, item);
      break;
    case Json::value_t::object:
      pk.pack_map(static_cast<std::uint32_t>(value.size()));
      for (const auto& [key, item] : value.items()) {
        pk.pack(key);
        packJson(pk, item);
      }
      break;
    default:
      throw std::invalid_argument("value of JSON type '" + std::string(value.type_name()) +
                                  "' cannot be sent on the bus");
  }
}

Json toJson(const msgpack::object& obj, const std::string& where) {
  switch (obj.type) {
    case msgpack::type::NIL: return nullptr;
    case msgpack::type::BOOLEAN: return obj.via.boolean;
    case msgpack::type::POSITIVE_INTEGER: return obj.via.u64;
    case msgpack::type::NEGATIVE_INTEGER: return obj.via.i64;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return obj.via.f64;
    case msgpack::type::STR: return std::string(obj.via.str.ptr, obj.via.str.size);
    case msgpack::type::ARRAY: {
      Json out = Json::array();
      for (std::uint32_t i = 0; i < obj.via.array.size; ++i) {
        out.push_back(toJson(obj.via.array.ptr[i], where));
      }
      return out;
    }
    case msgpack::type::MAP: {
      Json out = Json::object();
      for (std::uint32_t i = 0; i < obj.via.map.size; ++i) {
        const auto& kv = obj.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) {
          throw DecodeError("field '" + where + "' has a map key that is not a string");
        }
        out[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = toJson(kv.val, where);
      }
      return out;
    }
    default: throw DecodeError("field '" + where + "' holds binary or extension data");
  }
}

std::string asString(const msgpack::object& obj, const char* field) {
  if (obj.type == msgpack::type::STR) return std::string(obj.via.str.ptr, obj.via.str.size);
  if (obj.type == msgpack::type::BIN) return std::string(obj.via.bin.ptr, obj.via.bin.size);
  throw DecodeError(std::string("field '") + field + "' must be a string");
}

std::int64_t asInt(const msgpack::object& obj, const char* field) {
  if (obj.type == msgpack::type::POSITIVE_INTEGER) {
    if (obj.via.u64 > static_cast<std::uint64_t>(INT64_MAX)) {
      throw DecodeError(std::string("field '") + field + "' is out of range");
    }
    return static_cast<std::int64_t>(obj.via.u64);
  }
  if (obj.type == msgpack::type::NEGATIVE_INTEGER) return obj.via.i64;
  throw DecodeError(std::string("field '") + field + "' must be an integer");
}

MessageType parseType(const std::string& text) {
  if (text == "request") return MessageType::Request;
  if (text == "reply") return MessageType::Reply;
  if (text == "registration") return MessageType::Registration;
  throw DecodeError("field 'type' has unknown value '" + log::clip(text, 32) + "'");
}

std::vector<std::string> asStringList(const msgpack::object& obj, const char* field) {
  if (obj.type != msgpack::type::ARRAY) {
    throw DecodeError(std::string("field '") + field + "' must be an array of strings");
  }
  if (obj.via.array.size > kMaxTargets) {
    throw DecodeError(std::string("field '") + field + "' names " +
                      std::to_string(obj.via.array.size) + " entries, more than the limit of " +
                      std::to_string(kMaxTargets));
  }
  std::vector<std::string> out;
  out.reserve(obj.via.array.size);
  for (std::uint32_t i = 0; i < obj.via.array.size; ++i) {
    out.push_back(asString(obj.via.array.ptr[i], field));
  }
  return out;
}

// Calls field(key, value) for each entry of `obj`, which must be a map: the sub-map named
// `name` of the envelope.
template <typename Field>
void forEachEntry(const msgpack::object& obj, const char* name, Field&& field) {
  if (obj.type != msgpack::type::MAP) {
    throw DecodeError(std::string("field '") + name + "' must be a map");
  }
  for (std::uint32_t i = 0; i < obj.via.map.size; ++i) {
    const auto& kv = obj.via.map.ptr[i];
    field(asString(kv.key, name), kv.val);
  }
}

Status parseStatus(const msgpack::object& obj) {
  Status status;
  forEachEntry(obj, "status", [&](const std::string& key, const msgpack::object& val) {
    if (key == "code") {
      auto code = asInt(val, "status.code");
      if (code < 0 || code > static_cast<int>(StatusCode::Busy)) {
        throw DecodeError("field 'status.code' has unknown value " + std::to_string(code));
      }
      status.code = static_cast<StatusCode>(code);
    } else if (key == "message") {
      status.message = asString(val, "status.message");
    }
  });
  return status;
}

// A count or duration of a reply's timing: from 0 to `max`.
std::uint64_t asBounded(const msgpack::object& obj, const char* field, std::uint64_t max) {
  auto value = asInt(obj, field);
  if (value < 0 || static_cast<std::uint64_t>(value) > max) {
    throw DecodeError(std::string("field '") + field + "' is out of range");
  }
  return static_cast<std::uint64_t>(value);
}

Timing parseTiming(const msgpack::object& obj) {
  Timing timing;
  forEachEntry(obj, "timing", [&](const std::string& key, const msgpack::object& val) {
    if (key == "queued_us") {
      timing.queuedUs = asBounded(val, "timing.queued_us", kMaxTimingUs);
    } else if (key == "action_us") {
      timing.actionUs = asBounded(val, "timing.action_us", kMaxTimingUs);
    } else if (key == "program_us") {
      timing.programUs = asBounded(val, "timing.program_us", kMaxTimingUs);
    } else if (key == "programs") {
      timing.programs = static_cast<std::uint32_t>(
          asBounded(val, "timing.programs", std::numeric_limits<std::uint32_t>::max()));
    }
  });
  return timing;
}

// Field presence bits, to name the first required field that is missing.
enum Seen : unsigned {
  kV = 1,
  kId = 2,
  kType = 4,
  kSender = 8,
  kCollective = 16,
  kTime = 32,
  kAgent = 64,
  kAction = 128
};

void requireFields(unsigned seen, const Envelope& env) {
  static const std::pair<unsigned, const char*> kAlways[] = {{kId, "id"},
                                                             {kType, "type"},
                                                             {kSender, "sender"},
                                                             {kCollective, "collective"},
                                                             {kTime, "time"}};
  for (const auto& [bit, name] : kAlways) {
    if (!(seen & bit)) throw DecodeError(std::string("missing field '") + name + "'");
  }
  if (env.type != MessageType::Registration) {
    if (!(seen & kAgent)) throw DecodeError("missing field 'agent'");
    if (!(seen & kAction)) throw DecodeError("missing field 'action'");
  }
  if (env.type == MessageType::Reply && env.requestId.empty()) {
    throw DecodeError("missing field 'request_id' on a reply");
  }
}

void applyField(Envelope& env, unsigned& seen, const std::string& key, const msgpack::object& val) {
  if (key == "v")
    seen |= kV;  // read first, by readVersion()
  else if (key == "id") {
    env.id = asString(val, "id");
    seen |= kId;
  } else if (key == "type") {
    env.type = parseType(asString(val, "type"));
    seen |= kType;
  } else if (key == "sender") {
    env.sender = asString(val, "sender");
    seen |= kSender;
  } else if (key == "collective") {
    env.collective = asString(val, "collective");
    seen |= kCollective;
  } else if (key == "agent") {
    env.agent = asString(val, "agent");
    seen |= kAgent;
  } else if (key == "action") {
    env.action = asString(val, "action");
    seen |= kAction;
  } else if (key == "args") {
    env.args = toJson(val, "args");
    if (!env.args.is_object()) throw DecodeError("field 'args' must be a map");
  } else if (key == "filter")
    env.filter = asString(val, "filter");
  else if (key == "targets")
    env.targets = asStringList(val, "targets");
  else if (key == "ttl") {
    auto ttl = asInt(val, "ttl");
    if (ttl < 0 || ttl > 86400 * 7) throw DecodeError("field 'ttl' is out of range");
    env.ttl = static_cast<std::uint32_t>(ttl);
  } else if (key == "time") {
    env.time = asInt(val, "time");
    seen |= kTime;
  } else if (key == "reply_to")
    env.replyTo = asString(val, "reply_to");
  else if (key == "request_id")
    env.requestId = asString(val, "request_id");
  else if (key == "request_digest")
    env.requestDigest = asString(val, "request_digest");
  else if (key == "status")
    env.status = parseStatus(val);
  else if (key == "data")
    env.data = toJson(val, "data");
  else if (key == "timing")
    env.timing = parseTiming(val);
  else if (key == "cert")
    env.cert = asString(val, "cert");
  else if (key == "sig")
    env.sig = asString(val, "sig");
  else if (key == "mac")
    env.mac = asString(val, "mac");
  else if (key == "reply_mac") {
    if (val.type != msgpack::type::BOOLEAN)
      throw DecodeError("field 'reply_mac' must be a boolean");
    env.replyMac = val.via.boolean;
  }
  // Anything else belongs to a later minor revision: ignored on purpose.
}

// A name the node logs, matches or puts in a topic: 1..max bytes, printable ASCII,
// no space and no NATS wildcard.
bool isName(std::string_view text, std::size_t max) {
  if (text.empty() || text.size() > max) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c > 0x20 && c < 0x7f && c != '*' && c != '>'; });
}

void requireName(std::string_view text, std::size_t max, const char* field) {
  if (isName(text, max)) return;
  throw DecodeError(std::string("field '") + field + "' ('" + log::clip(text, 32) +
                    "') must be 1 to " + std::to_string(max) +
                    " printable characters without spaces");
}

void requireAtMost(std::size_t size, std::size_t max, const char* field) {
  if (size <= max) return;
  throw DecodeError(std::string("field '") + field + "' is " + std::to_string(size) +
                    " bytes, more than the limit of " + std::to_string(max));
}

// Bounds every field an attacker sets and a node logs, keys a cache with or compares,
// so nothing downstream has to: a 4 MB id or sender never reaches a log line.
void checkShape(const Envelope& env) {
  if (!isValidId(env.id)) {
    throw DecodeError("field 'id' ('" + log::clip(env.id, 40) + "') must be " +
                      std::to_string(kIdLength) + " lowercase hex characters");
  }
  if (!env.requestId.empty() && !isValidId(env.requestId)) {
    throw DecodeError("field 'request_id' ('" + log::clip(env.requestId, 40) + "') must be " +
                      std::to_string(kIdLength) + " lowercase hex characters");
  }
  requireName(env.sender, kMaxNameLength, "sender");
  requireName(env.collective, kMaxWordLength, "collective");
  if (env.type != MessageType::Registration) {
    requireName(env.agent, kMaxWordLength, "agent");
    requireName(env.action, kMaxWordLength, "action");
  }
  if (!env.replyTo.empty()) requireName(env.replyTo, kMaxTopicLength, "reply_to");
  for (const auto& target : env.targets) requireName(target, kMaxNameLength, "targets");
  requireAtMost(env.filter.size(), kMaxFilterLength, "filter");
  requireAtMost(env.cert.size(), kMaxCertificateSize, "cert");
  requireAtMost(env.sig.size(), kMaxSignatureSize, "sig");
  if (!env.mac.empty() && env.mac.size() != kMacSize) {
    throw DecodeError("field 'mac' must be " + std::to_string(kMacSize) + " bytes");
  }
  if (!env.requestDigest.empty() && env.requestDigest.size() != kDigestSize) {
    throw DecodeError("field 'request_digest' must be " + std::to_string(kDigestSize) + " bytes");
  }
}

// The version decides how the rest is read, so it is read alone and first.
int readVersion(const msgpack::object& root) {
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR ||
        std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) != "v") {
      continue;
    }
    // Checked before narrowing: 2^32 + 1 must not read as version 1.
    const auto v = asInt(kv.val, "v");
    if (v < 0 || v > std::numeric_limits<int>::max()) {
      throw DecodeError("field 'v' is out of range");
    }
    return static_cast<int>(v);
  }
  throw DecodeError("missing field 'v'");
}

void packString(Packer& pk, const char* key, const std::string& value) {
  pk.pack(key);
  pk.pack(value);
}

void packBin(Packer& pk, const char* key, const std::string& value) {
  pk.pack(key);
  pk.pack_bin(static_cast<std::uint32_t>(value.size()));
  pk.pack_bin_body(value.data(), static_cast<std::uint32_t>(value.size()));
}

std::string encodeFields(const Envelope& env, bool withSig) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  const bool timed = env.timing.said();
  // The authenticators (sig, mac) are left out of the bytes they cover. reply_mac and mac
  // are sent only when set, so a message without them encodes (and is signed) as before
  // they existed.
  const bool withMacField = withSig && !env.mac.empty();
  std::uint32_t count =
      18 + (withSig ? 1 : 0) + (withMacField ? 1 : 0) + (timed ? 1 : 0) + (env.replyMac ? 1 : 0);
  pk.pack_map(count);
  pk.pack("v");
  pk.pack(env.v);
  packString(pk, "id", env.id);
  packString(pk, "type", std::string(toString(env.type)));
  packString(pk, "sender", env.sender);
  packString(pk, "collective", env.collective);
  packString(pk, "agent", env.agent);
  packString(pk, "action", env.action);
  pk.pack("args");
  packJson(pk, env.args);
  packString(pk, "filter", env.filter);
  pk.pack("targets");
  pk.pack_array(static_cast<std::uint32_t>(env.targets.size()));
  for (const auto& target : env.targets) pk.pack(target);
  pk.pack("ttl");
  pk.pack(env.ttl);
  pk.pack("time");
  pk.pack(env.time);
  packString(pk, "reply_to", env.replyTo);
  packString(pk, "request_id", env.requestId);
  packBin(pk, "request_digest", env.requestDigest);
  pk.pack("status");
  pk.pack_map(2);
  pk.pack("code");
  pk.pack(static_cast<int>(env.status.code));
  packString(pk, "message", env.status.message);
  pk.pack("data");
  packJson(pk, env.data);
  if (timed) {
    pk.pack("timing");
    pk.pack_map(4);
    pk.pack("queued_us");
    pk.pack(env.timing.queuedUs);
    pk.pack("action_us");
    pk.pack(env.timing.actionUs);
    pk.pack("program_us");
    pk.pack(env.timing.programUs);
    pk.pack("programs");
    pk.pack(env.timing.programs);
  }
  if (env.replyMac) {
    pk.pack("reply_mac");
    pk.pack(true);
  }
  packBin(pk, "cert", env.cert);
  if (withSig) packBin(pk, "sig", env.sig);
  if (withMacField) packBin(pk, "mac", env.mac);
  return std::string(buffer.data(), buffer.size());
}

}  // namespace

std::string_view toString(MessageType type) {
  switch (type) {
    case MessageType::Request: return "request";
    case MessageType::Reply: return "reply";
    case MessageType::Registration: return "registration";
  }
  return "unknown";
}

std::string encode(const Envelope& env) { return encodeFields(env, true); }

std::string signingBytes(const Envelope& env) { return encodeFields(env, false); }

Envelope decode(std::string_view bytes) {
  if (bytes.empty()) throw DecodeError("empty message");
  if (bytes.size() > kMaxEncodedSize) {
    throw DecodeError("message of " + std::to_string(bytes.size()) +
                      " bytes exceeds the limit of " + std::to_string(kMaxEncodedSize));
  }
  msgpack::object_handle handle;
  std::size_t offset = 0;
  try {
    msgpack::unpack(handle, bytes.data(), bytes.size(), offset, nullptr, nullptr, kLimits);
  } catch (const msgpack::insufficient_bytes&) {
    throw DecodeError("truncated message (" + std::to_string(bytes.size()) + " bytes)");
  } catch (const msgpack::parse_error& e) {
    throw DecodeError(std::string("not msgpack: ") + e.what());
  } catch (const msgpack::unpack_error& e) {
    throw DecodeError(std::string("message exceeds decoder limits: ") + e.what());
  }
  if (offset != bytes.size()) {
    throw DecodeError("trailing bytes after the envelope (" +
                      std::to_string(bytes.size() - offset) + " extra)");
  }
  const msgpack::object& root = handle.get();
  if (root.type != msgpack::type::MAP) throw DecodeError("envelope is not a msgpack map");

  Envelope env;
  env.v = readVersion(root);
  if (env.v != kVersion) {
    throw VersionError("unsupported envelope version " + std::to_string(env.v) +
                       " (this build speaks version " + std::to_string(kVersion) + ")");
  }
  unsigned seen = 0;
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    applyField(env, seen, asString(kv.key, "<key>"), kv.val);
  }
  requireFields(seen, env);
  checkShape(env);
  return env;
}

std::string requestDigest(const Envelope& request) {
  static const bool sodiumReady = sodium_init() >= 0;  // thread safe, once
  if (!sodiumReady) throw std::runtime_error("libsodium could not initialise");
  const std::string bytes = signingBytes(request);
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return digest;
}

bool isValidId(std::string_view id) {
  return id.size() == kIdLength && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Envelope makeReply(const Envelope& request, const std::string& sender, Status status, Json data) {
  Envelope reply;
  reply.id = util::randomId();
  reply.time = util::nowMs();
  reply.type = MessageType::Reply;
  reply.sender = sender;
  reply.collective = request.collective;
  reply.agent = request.agent;
  reply.action = request.action;
  reply.requestId = request.id;
  reply.requestDigest = requestDigest(request);
  reply.ttl = request.ttl;
  reply.status = std::move(status);
  reply.data = std::move(data);
  return reply;
}

}  // namespace drover::envelope
