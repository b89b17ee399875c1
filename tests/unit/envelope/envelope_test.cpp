// Envelope v1 codec: round trips, unknown fields, versions, and hostile input.
#include "core/envelope/envelope.hpp"

#include <gtest/gtest.h>
#include <msgpack.hpp>

#include <algorithm>

namespace drover::envelope {
namespace {

Envelope sampleRequest() {
  Envelope env;
  env.id = "0123456789abcdef0123456789abcdef";
  env.type = MessageType::Request;
  env.sender = "admin@example";
  env.collective = "drover";
  env.agent = "puppet";
  env.action = "runonce";
  env.args = Json{{"environment", "production"},
                  {"splay", true},
                  {"count", -3},
                  {"ratio", 0.5},
                  {"tags", Json::array({"a", "b"})},
                  {"nested", {{"k", nullptr}}}};
  env.filter = "region=eu-west-1 and class(role::web)";
  env.ttl = 30;
  env.time = 1700000000123;
  env.replyTo = "drover.reply.abc";
  env.targets = {"web1", "web2.example.org"};
  env.cert = std::string("\x30\x82\x00\x7f", 4);
  env.sig = std::string("\x00\x01\xff", 3);
  return env;
}

// Packs a map of the given fields, for building messages the encoder would not make.
std::string packMap(const std::map<std::string, msgpack::object>& fields, msgpack::zone& zone) {
  (void)zone;
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_map(static_cast<std::uint32_t>(fields.size()));
  for (const auto& [key, value] : fields) {
    pk.pack(key);
    pk.pack(value);
  }
  return std::string(buffer.data(), buffer.size());
}

std::map<std::string, msgpack::object> baseFields(msgpack::zone& zone) {
  return {{"v", msgpack::object(1, zone)},
          {"id", msgpack::object(std::string("00112233445566778899aabbccddeeff"), zone)},
          {"type", msgpack::object(std::string("request"), zone)},
          {"sender", msgpack::object(std::string("me"), zone)},
          {"collective", msgpack::object(std::string("drover"), zone)},
          {"agent", msgpack::object(std::string("rpcutil"), zone)},
          {"action", msgpack::object(std::string("ping"), zone)},
          {"time", msgpack::object(1, zone)}};
}

TEST(EnvelopeCodec, RoundTripKeepsEveryField) {
  Envelope env = sampleRequest();
  Envelope back = decode(encode(env));
  EXPECT_EQ(back.id, env.id);
  EXPECT_EQ(back.type, MessageType::Request);
  EXPECT_EQ(back.sender, env.sender);
  EXPECT_EQ(back.agent, "puppet");
  EXPECT_EQ(back.action, "runonce");
  EXPECT_EQ(back.args, env.args);
  EXPECT_EQ(back.filter, env.filter);
  EXPECT_EQ(back.ttl, 30u);
  EXPECT_EQ(back.time, env.time);
  EXPECT_EQ(back.replyTo, env.replyTo);
  EXPECT_EQ(back.targets, env.targets);
  EXPECT_EQ(back.cert, env.cert);
  EXPECT_EQ(back.sig, env.sig);
}

TEST(EnvelopeCodec, ReplyCarriesRequestIdAndStatus) {
  Envelope request = sampleRequest();
  Envelope reply =
      makeReply(request, "web1", {StatusCode::Aborted, "puppet failed"}, Json{{"changed", 3}});
  Envelope back = decode(encode(reply));
  EXPECT_EQ(back.type, MessageType::Reply);
  EXPECT_EQ(back.requestId, request.id);
  EXPECT_EQ(back.status.code, StatusCode::Aborted);
  EXPECT_EQ(back.status.message, "puppet failed");
  EXPECT_EQ(back.data["changed"], 3);
  EXPECT_EQ(back.id.size(), 32u);
  EXPECT_NE(back.id, request.id);
  EXPECT_EQ(back.requestDigest, requestDigest(request));
}

// The digest names the exact message answered: any signed field, the signer's
// certificate and the targets change it; the signature alone does not.
TEST(EnvelopeCodec, RequestDigestCoversWhatWasSigned) {
  Envelope a = sampleRequest();
  EXPECT_EQ(requestDigest(a).size(), kDigestSize);
  Envelope b = a;
  b.sig = "other";
  EXPECT_EQ(requestDigest(a), requestDigest(b));
  for (auto change : std::vector<void (*)(Envelope&)>{
           [](Envelope& e) { e.targets.push_back("web3"); },
           [](Envelope& e) { e.sender = "mallory.admin"; }, [](Envelope& e) { e.cert = "another"; },
           [](Envelope& e) { e.filter = ""; }}) {
    Envelope c = a;
    change(c);
    EXPECT_NE(requestDigest(a), requestDigest(c));
  }
}

TEST(EnvelopeCodec, SigningBytesExcludeOnlyTheSignature) {
  Envelope a = sampleRequest();
  Envelope b = a;
  b.sig = "different";
  EXPECT_EQ(signingBytes(a), signingBytes(b));
  b.args["environment"] = "staging";
  EXPECT_NE(signingBytes(a), signingBytes(b));
  Envelope c = a;
  c.cert = "another certificate";
  EXPECT_NE(signingBytes(a), signingBytes(c));  // the signer's certificate is covered too
}

// A reply says what its action took; the timing is signed with the rest, and a message
// that does not say it (a request, an earlier node's reply) is encoded without the field.
TEST(EnvelopeCodec, ReplyTimingRoundTripsAndIsSigned) {
  Envelope reply = makeReply(sampleRequest(), "web1", {}, Json::object());
  const std::string untimed = encode(reply);
  EXPECT_EQ(untimed.find("timing"), std::string::npos);
  EXPECT_FALSE(decode(untimed).timing.said());

  reply.timing = {2'000, 12'345'678, 12'000'000, 2};
  Envelope back = decode(encode(reply));
  EXPECT_EQ(back.timing, reply.timing);
  Envelope slower = reply;
  slower.timing.programUs += 1;
  EXPECT_NE(signingBytes(reply), signingBytes(slower));
}

TEST(EnvelopeCodec, MalformedTimingIsRefusedAndNamed) {
  msgpack::zone zone;
  auto refusal = [&](const msgpack::object& timing) -> std::string {
    auto fields = baseFields(zone);
    fields["timing"] = timing;
    try {
      decode(packMap(fields, zone));
    } catch (const DecodeError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal(msgpack::object(std::string("fast"), zone)), "field 'timing' must be a map");
  auto timingWith = [&](const char* key, const msgpack::object& value) {
    std::map<std::string, msgpack::object> inner{{key, value}};
    return msgpack::object(inner, zone);
  };
  EXPECT_EQ(refusal(timingWith("action_us", msgpack::object(-1, zone))),
            "field 'timing.action_us' is out of range");
  EXPECT_EQ(refusal(timingWith("queued_us", msgpack::object(-5, zone))),
            "field 'timing.queued_us' is out of range");
  EXPECT_EQ(refusal(timingWith("program_us", msgpack::object(kMaxTimingUs + 1, zone))),
            "field 'timing.program_us' is out of range");
  EXPECT_EQ(refusal(timingWith("programs", msgpack::object(std::uint64_t{1} << 32, zone))),
            "field 'timing.programs' is out of range");
  EXPECT_EQ(refusal(timingWith("action_us", msgpack::object(std::string("1"), zone))),
            "field 'timing.action_us' must be an integer");
  // What a later version adds inside it is ignored, as at the top level.
  EXPECT_EQ(refusal(timingWith("cpu_us", msgpack::object(5, zone))), "accepted");
}

// A reply MACed for its caller, and the request that asked for it: sig and mac are left
// out of what they cover, the request's wish is covered, and a message without either
// encodes as it did before they existed (so earlier signatures still check).
TEST(EnvelopeCodec, MacAndReplyMacRoundTripAndOnlyTheMacIsUncovered) {
  Envelope plain = sampleRequest();
  EXPECT_EQ(encode(plain).find("reply_mac"), std::string::npos);
  EXPECT_EQ(encode(plain).find("\xa3mac"), std::string::npos);

  Envelope asking = plain;
  asking.replyMac = true;
  EXPECT_TRUE(decode(encode(asking)).replyMac);
  EXPECT_FALSE(decode(encode(plain)).replyMac);
  EXPECT_NE(signingBytes(asking), signingBytes(plain));

  Envelope reply = makeReply(asking, "web1", {}, Json{{"pong", 1}});
  reply.mac = std::string(kMacSize, '\x5a');
  Envelope back = decode(encode(reply));
  EXPECT_EQ(back.mac, reply.mac);
  EXPECT_TRUE(back.sig.empty());
  Envelope otherMac = reply;
  otherMac.mac = std::string(kMacSize, '\x01');
  EXPECT_EQ(signingBytes(reply), signingBytes(otherMac));
  EXPECT_EQ(requestDigest(asking), requestDigest(decode(encode(asking))));

  // A request to one node carries both: the signature and that node's MAC.
  Envelope both = asking;
  both.sig = std::string(64, '\x11');
  both.mac = std::string(kMacSize, '\x22');
  Envelope bothBack = decode(encode(both));
  EXPECT_EQ(bothBack.sig, both.sig);
  EXPECT_EQ(bothBack.mac, both.mac);
  EXPECT_EQ(signingBytes(bothBack), signingBytes(asking));
  EXPECT_EQ(requestDigest(both), requestDigest(asking));
  // The MAC is the encoding's tail: one encoding serves each node with its own MAC.
  const std::string wire = encode(both);
  EXPECT_EQ(wire.substr(wire.size() - kMacSize), both.mac);
  std::string other = wire;
  std::fill(other.end() - kMacSize, other.end(), '\x33');
  EXPECT_EQ(decode(other).mac, std::string(kMacSize, '\x33'));
  EXPECT_EQ(decode(other).sig, both.sig);
}

TEST(EnvelopeCodec, MalformedMacFieldsAreRefusedAndNamed) {
  msgpack::zone zone;
  auto refusal = [&](std::map<std::string, msgpack::object> extra) -> std::string {
    auto fields = baseFields(zone);
    for (auto& [key, value] : extra) fields[key] = value;
    try {
      decode(packMap(fields, zone));
    } catch (const DecodeError& e) {
      return e.what();
    }
    return "accepted";
  };
  auto bin = [&](std::size_t size) { return msgpack::object(std::vector<char>(size, 'm'), zone); };
  EXPECT_EQ(refusal({{"mac", bin(kMacSize)}}), "accepted");
  EXPECT_EQ(refusal({{"mac", bin(kMacSize - 1)}}), "field 'mac' must be 32 bytes");
  EXPECT_EQ(refusal({{"mac", bin(kMacSize + 1)}}), "field 'mac' must be 32 bytes");
  EXPECT_EQ(refusal({{"mac", bin(kMacSize)}, {"sig", bin(64)}}), "accepted");
  EXPECT_EQ(refusal({{"reply_mac", msgpack::object(true, zone)}}), "accepted");
  EXPECT_EQ(refusal({{"reply_mac", msgpack::object(1, zone)}}),
            "field 'reply_mac' must be a boolean");
  EXPECT_EQ(refusal({{"reply_mac", msgpack::object(std::string("yes"), zone)}}),
            "field 'reply_mac' must be a boolean");
}

TEST(EnvelopeCodec, UnknownFieldsAreIgnored) {
  msgpack::zone zone;
  auto fields = baseFields(zone);
  fields["future_field"] = msgpack::object(std::string("later"), zone);
  Envelope env = decode(packMap(fields, zone));
  EXPECT_EQ(env.agent, "rpcutil");
}

// The version is read before anything else: a version-99 message is refused as such,
// whatever its other fields hold, and nothing of it is kept.
TEST(EnvelopeCodec, UnknownVersionIsAVersionErrorReadFirst) {
  msgpack::zone zone;
  auto fields = baseFields(zone);
  fields["v"] = msgpack::object(99, zone);
  fields["id"] = msgpack::object(std::string(5000, 'z'), zone);
  fields["type"] = msgpack::object(std::string("whatever"), zone);
  try {
    decode(packMap(fields, zone));
    FAIL() << "version 99 accepted";
  } catch (const VersionError& e) {
    EXPECT_STREQ(e.what(), "unsupported envelope version 99 (this build speaks version 1)");
  }
}

// Every field an attacker writes and a node logs or keys a cache with has a bound, and
// the error quotes at most a clipped, printable piece of it.
TEST(EnvelopeCodec, FieldsPastTheirBoundsAreRefusedWithAClippedQuote) {
  const std::string huge(1'000'000, 'a');
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"id", std::string(33, 'a')},
      {"id", "0123456789ABCDEF0123456789ABCDEF"},
      {"id", huge},
      {"sender", huge},
      {"sender", "alice admin"},
      {"sender", std::string("al\nice")},
      {"collective", std::string(65, 'c')},
      {"agent", huge},
      {"action", "ping\x01"},
      {"reply_to", std::string(600, 'r')},
      {"request_id", "abc"},
      {"filter", std::string(70'000, 'f')}};
  for (const auto& [field, value] : cases) {
    msgpack::zone zone;
    auto fields = baseFields(zone);
    fields[field] = msgpack::object(value, zone);
    try {
      decode(packMap(fields, zone));
      ADD_FAILURE() << "accepted " << field << " of " << value.size() << " bytes";
    } catch (const DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
      EXPECT_LT(std::string(e.what()).size(), 200u) << field;
    }
  }
}

TEST(EnvelopeCodec, TargetsAreBoundedNames) {
  msgpack::zone zone;
  auto fields = baseFields(zone);
  fields["targets"] = msgpack::object(std::vector<std::string>(kMaxTargets + 1, "web1"), zone);
  EXPECT_THROW(decode(packMap(fields, zone)), DecodeError);
  fields["targets"] = msgpack::object(std::vector<std::string>{"web1", ""}, zone);
  EXPECT_THROW(decode(packMap(fields, zone)), DecodeError);
  fields["targets"] = msgpack::object(std::string("web1"), zone);
  EXPECT_THROW(decode(packMap(fields, zone)), DecodeError);
  fields["targets"] = msgpack::object(std::vector<std::string>{"web1", "db-2"}, zone);
  EXPECT_EQ(decode(packMap(fields, zone)).targets, (std::vector<std::string>{"web1", "db-2"}));
}

TEST(EnvelopeCodec, MissingFieldsAreNamed) {
  for (const char* field : {"v", "id", "type", "sender", "collective", "time", "agent", "action"}) {
    msgpack::zone zone;
    auto fields = baseFields(zone);
    fields.erase(field);
    try {
      decode(packMap(fields, zone));
      ADD_FAILURE() << "accepted without " << field;
    } catch (const DecodeError& e) {
      EXPECT_EQ(std::string(e.what()), std::string("missing field '") + field + "'");
    }
  }
}

TEST(EnvelopeCodec, WrongFieldTypesAreNamed) {
  msgpack::zone zone;
  auto fields = baseFields(zone);
  fields["args"] = msgpack::object(std::string("not a map"), zone);
  EXPECT_THROW(
      {
        try {
          decode(packMap(fields, zone));
        } catch (const DecodeError& e) {
          EXPECT_STREQ(e.what(), "field 'args' must be a map");
          throw;
        }
      },
      DecodeError);
  fields = baseFields(zone);
  fields["time"] = msgpack::object(std::string("yesterday"), zone);
  EXPECT_THROW(decode(packMap(fields, zone)), DecodeError);
  fields = baseFields(zone);
  fields["type"] = msgpack::object(std::string("command"), zone);
  EXPECT_THROW(decode(packMap(fields, zone)), DecodeError);
}

TEST(EnvelopeCodec, EveryTruncationIsRefusedCleanly) {
  std::string bytes = encode(sampleRequest());
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_THROW(decode(std::string_view(bytes.data(), length)), DecodeError) << length;
  }
}

TEST(EnvelopeCodec, GarbageAndTrailingBytesAreRefused) {
  EXPECT_THROW(decode("\xc1"), DecodeError);         // reserved msgpack byte
  EXPECT_THROW(decode("hello world"), DecodeError);  // a fixint then trailing bytes
  EXPECT_THROW(decode(std::string("\x93\x01\x02\x03", 4)), DecodeError);  // array, not a map
  EXPECT_THROW(decode(encode(sampleRequest()) + "x"), DecodeError);
}

TEST(EnvelopeCodec, HugeDeclaredSizesDoNotAllocate) {
  // A map header claiming 2^32-1 entries, and a string claiming 4 GiB, in a few bytes.
  EXPECT_THROW(decode(std::string("\xdf\xff\xff\xff\xff", 5)), DecodeError);
  EXPECT_THROW(decode(std::string("\x81\xdb\xff\xff\xff\xff", 6)), DecodeError);
}

TEST(EnvelopeCodec, DeepNestingIsRefused) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_map(1);
  pk.pack(std::string("args"));
  for (int i = 0; i < 100; ++i) {
    pk.pack_map(1);
    pk.pack(std::string("k"));
  }
  pk.pack_nil();
  EXPECT_THROW(decode(std::string(buffer.data(), buffer.size())), DecodeError);
}

TEST(EnvelopeCodec, OversizedMessageIsRefusedUnread) {
  std::string big(kMaxEncodedSize + 1, '\0');
  try {
    decode(big);
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the limit"), std::string::npos);
  }
}

TEST(EnvelopeCodec, NonStringMapKeysInArgsAreRefused) {
  msgpack::zone zone;
  auto fields = baseFields(zone);
  std::map<int, int> intKeys{{1, 2}};
  fields["args"] = msgpack::object(intKeys, zone);
  EXPECT_THROW(decode(packMap(fields, zone)), DecodeError);
}

}  // namespace
}  // namespace drover::envelope
