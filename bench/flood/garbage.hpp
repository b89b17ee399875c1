#pragma once
// The hostile traffic drover-flood-bench sends a node, one kind per run. Each is
// something any peer that reaches the broker can publish; only `targets` carries a
// valid signature, and it names another node:
//
//   random    random bytes, 100 to 700 of them
//   msgpack   well-formed msgpack: maps of 16 random keys and values, no envelope
//   unsigned  requests of valid shape (rpcutil ping, fresh id and time), no signature
//   forged    the same with a random 64-byte `sig` and 300 to 800 random bytes as `cert`
//   targets   rpcutil pings signed by a valid admin, their `targets` naming another
//             node (a build before targets cannot read them: there they are plain
//             signed pings, which it runs)
//   large     unsigned requests of valid shape with four 1,048,000-byte strings in
//             `args`: just under the decoder's 4 MiB limit; one body sent every time
//   v99       requests of valid shape with `v: 99`
//
// Requests ask for their replies on a topic nobody subscribes to, so a build that
// answers garbage spends the work and the broker drops the answers.
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/flood/request_sealer.hpp"

namespace drover::bench::flood {

enum class Garbage { Random, Msgpack, Unsigned, Forged, Targets, Large, V99 };

/// Every kind, in the order above.
const std::vector<Garbage>& allGarbage();
std::string_view toString(Garbage kind);
std::optional<Garbage> parseGarbage(std::string_view name);

struct GarbageContext {
  std::string collective = "drover";
  std::string replyTopic;                // where garbage requests ask their replies to go
  std::string otherNode;                 // what `targets` requests name
  const RequestSealer* admin = nullptr;  // signs `targets` requests
};

/// The messages of one burst: message i is bodies[i % bodies.size()].
struct Burst {
  std::vector<std::string> bodies;
  std::size_t count = 0;
  std::size_t bytes() const;  // of all `count` messages
};

/// A burst of `count` messages of `kind`, made before it is sent, so that publishing is
/// all the burst costs. Throws as RequestSealer::seal.
Burst makeBurst(Garbage kind, std::size_t count, const GarbageContext& context,
                std::mt19937_64& random);

}  // namespace drover::bench::flood
