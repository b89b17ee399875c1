#include "bench/flood/garbage.hpp"

#include <msgpack.hpp>

#include "core/util/clock.hpp"
#include "core/util/ids.hpp"

namespace drover::bench::flood {
namespace {

using envelope::Envelope;

constexpr std::size_t kLargeStrings = 4;
constexpr std::size_t kLargeStringBytes = 1048000;  // 4 of them stay under 4 MiB

std::string randomBytes(std::mt19937_64& random, std::size_t size) {
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random() & 0xff);
  return out;
}

std::string randomText(std::mt19937_64& random, std::size_t size) {
  std::string out(size, 'a');
  for (char& c : out) c = static_cast<char>('a' + random() % 26);
  return out;
}

std::size_t between(std::mt19937_64& random, std::size_t low, std::size_t high) {
  return low + random() % (high - low + 1);
}

std::string randomMap(std::mt19937_64& random) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(16);
  for (int i = 0; i < 16; ++i) {
    packer.pack(randomText(random, 8));
    if (i % 2 == 0) {
      packer.pack(static_cast<std::int64_t>(random()));
    } else {
      packer.pack(randomText(random, between(random, 1, 24)));
    }
  }
  return std::string(buffer.data(), buffer.size());
}

// An rpcutil ping of valid shape from nobody in particular.
Envelope request(const GarbageContext& context) {
  Envelope env;
  env.id = util::randomId();
  env.sender = "mallory";
  env.collective = context.collective;
  env.agent = "rpcutil";
  env.action = "ping";
  env.ttl = 60;
  env.time = util::nowMs();
  env.replyTo = context.replyTopic;
  return env;
}

std::string forged(const GarbageContext& context, std::mt19937_64& random) {
  Envelope env = request(context);
  env.sig = randomBytes(random, 64);
  env.cert = randomBytes(random, between(random, 300, 800));
  return envelope::encode(env);
}

std::string signedForOther(const GarbageContext& context) {
  Envelope env = request(context);
  env.sender.clear();  // the signer's name
  env.targets = {context.otherNode};
  return context.admin->seal(std::move(env));
}

std::string large(const GarbageContext& context, std::mt19937_64& random) {
  Envelope env = request(context);
  for (std::size_t i = 0; i < kLargeStrings; ++i) {
    env.args["blob" + std::to_string(i)] = randomText(random, kLargeStringBytes);
  }
  return envelope::encode(env);
}

std::string futureVersion(const GarbageContext& context) {
  Envelope env = request(context);
  env.v = 99;
  return envelope::encode(env);
}

std::string oneBody(Garbage kind, const GarbageContext& context, std::mt19937_64& random) {
  switch (kind) {
    case Garbage::Random: return randomBytes(random, between(random, 100, 700));
    case Garbage::Msgpack: return randomMap(random);
    case Garbage::Unsigned: return envelope::encode(request(context));
    case Garbage::Forged: return forged(context, random);
    case Garbage::Targets: return signedForOther(context);
    case Garbage::Large: return large(context, random);
    case Garbage::V99: return futureVersion(context);
  }
  return {};
}

}  // namespace

const std::vector<Garbage>& allGarbage() {
  static const std::vector<Garbage> kinds{Garbage::Random, Garbage::Msgpack, Garbage::Unsigned,
                                          Garbage::Forged, Garbage::Targets, Garbage::Large,
                                          Garbage::V99};
  return kinds;
}

std::string_view toString(Garbage kind) {
  switch (kind) {
    case Garbage::Random: return "random";
    case Garbage::Msgpack: return "msgpack";
    case Garbage::Unsigned: return "unsigned";
    case Garbage::Forged: return "forged";
    case Garbage::Targets: return "targets";
    case Garbage::Large: return "large";
    case Garbage::V99: return "v99";
  }
  return "?";
}

std::optional<Garbage> parseGarbage(std::string_view name) {
  for (Garbage kind : allGarbage()) {
    if (toString(kind) == name) return kind;
  }
  return std::nullopt;
}

std::size_t Burst::bytes() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += bodies[i % bodies.size()].size();
  return total;
}

Burst makeBurst(Garbage kind, std::size_t count, const GarbageContext& context,
                std::mt19937_64& random) {
  Burst burst;
  burst.count = count;
  // One large body serves every message: a burst of distinct ones would hold
  // count x 4 MB here before ZeroMQ copies each anyway.
  std::size_t distinct = kind == Garbage::Large ? std::min<std::size_t>(count, 1) : count;
  burst.bodies.reserve(distinct);
  for (std::size_t i = 0; i < distinct; ++i) burst.bodies.push_back(oneBody(kind, context, random));
  return burst;
}

}  // namespace drover::bench::flood
