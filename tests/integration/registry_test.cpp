// Discovery from the registry (`drover --dm registry`, core/registry/) against a real
// drover-provisioner and droverd nodes: a node that died is named where a broadcast cannot
// know it is missing, a node that stops leaves the registry at once, one gone quiet is
// stale (named, not asked), a wrong listing runs nothing; and the provisioner's own
// request path refuses what a node refuses (replays, old requests, other targets, old
// registrations).
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/registry/registry.hpp"
#include "core/security/signing.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "tests/integration/attack_suite.hpp"
#include "tests/integration/bus_listener.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"

namespace drover::integration {
namespace {

using envelope::Envelope;
using envelope::StatusCode;
using ::testing::HasSubstr;
using ::testing::Not;
using Names = std::vector<std::string>;
using attack::RawCaller;

constexpr const char* kRegistry = "registry.provisioner";

NodeSpec node(const std::string& identity, const std::string& role,
              std::vector<std::string> extra = {}) {
  NodeSpec spec;
  spec.identity = identity;
  spec.facts = "role: " + role + "\n";
  spec.extraArgs = std::move(extra);
  return spec;
}

class RegistryDiscovery : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    // reg-quiet sends a heartbeat every second, so it turns stale 3 s after it stops.
    startFleet({node("reg-db-1", "db"), node("reg-db-2", "db"), node("reg-web-1", "web"),
                node("reg-quiet", "web", {"--registration-interval", "1"})});
  }
  static void TearDownTestSuite() {
    registry_.reset();
    FleetSuite::TearDownTestSuite();
  }

  void SetUp() override {
    FleetSuite::SetUp();
    if (HasFatalFailure()) return;
    if (!registry_) {
      registry_ = std::make_unique<Provisioner>(fleet(), kRegistry);
      registry_->start();
    }
    // Every test starts from the whole fleet up and listed.
    for (const auto& identity : fleet().identities()) {
      Node& each = fleet().node(identity);
      if (!each.running()) {
        each.start();
        each.waitReady(15s);
      }
    }
    ASSERT_TRUE(waitListed(fleet().identities())) << registry_->log();
  }

  static Names listed() { return sortedLines(fleet().drover({"find", "--dm", "registry"}).out); }
  static bool waitListed(const Names& expected) {
    return testing::waitFor([&] { return listed() == expected; }, 20s);
  }
  static Names without(const std::string& identity) {
    Names names = fleet().identities();
    names.erase(std::remove(names.begin(), names.end(), identity), names.end());
    return names;
  }

  // A registration signed by `credentials` for `identity`, sent at `sentMs`.
  static Envelope registration(const std::string& identity, const Json& facts, std::int64_t sentMs,
                               const Credentials& credentials) {
    Envelope env;
    env.id = util::randomId();
    env.type = envelope::MessageType::Registration;
    env.sender = identity;
    env.collective = "drover";
    env.time = sentMs;
    env.data = {{"identity", identity},     {"collectives", {"drover"}},
                {"agents", {"rpcutil"}},    {"facts", facts},
                {"classes", Json::array()}, {"registration_interval_s", 300}};
    security::signEnvelope(env, security::Signer::fromFiles(credentials.key, credentials.cert));
    return env;
  }

  static inline std::unique_ptr<Provisioner> registry_;
};

// The case a broadcast gets wrong: a node that died is not missed by a broadcast, which
// cannot know it is missing; the registry still lists it, so the call names it.
TEST_F(RegistryDiscovery, ANodeThatDiedIsNamedAsNoReplyWhereABroadcastCountsOnlyTheLiving) {
  fleet().node("reg-db-2").kill();
  Result registry = fleet().drover({"ping", "--dm", "registry", "-F", "role=db", "--timeout", "2"});
  EXPECT_EQ(registry.exitCode, 1) << registry;
  EXPECT_THAT(registry.out, HasSubstr("1 of 2 nodes answered, 1 ok, 0 failed, 1 no reply"))
      << registry;
  EXPECT_THAT(registry.out, HasSubstr("no reply: reg-db-2")) << registry;

  Result broadcast = fleet().drover({"ping", "--dm", "broadcast", "-F", "role=db"});
  EXPECT_EQ(broadcast.exitCode, 0) << broadcast;
  EXPECT_THAT(broadcast.out, HasSubstr("1 of 1 nodes answered")) << broadcast;
}

TEST_F(RegistryDiscovery, ANodeThatStopsLeavesTheRegistryAtOnceAndComesBackWhenItStarts) {
  EXPECT_THAT(registry_->metrics(), HasSubstr("drover_registry_nodes{state=\"fresh\"} 4\n"));
  Node& web = fleet().node("reg-web-1");
  EXPECT_EQ(web.stop(), 0);
  EXPECT_TRUE(waitListed(without("reg-web-1"))) << registry_->log();
  EXPECT_THAT(registry_->metrics(), HasSubstr("drover_registry_nodes{state=\"fresh\"} 3\n"));
  Result ping = fleet().drover({"ping", "--dm", "registry"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("3 of 3 nodes answered, 3 ok")) << ping;

  web.start();
  web.waitReady(15s);
  EXPECT_TRUE(waitListed(fleet().identities())) << registry_->log();
}

// Frozen, reg-quiet misses three of its 1 s heartbeats: the registry counts it as gone,
// the CLI names it on stderr and does not wait for it; thawed, it is listed again.
TEST_F(RegistryDiscovery, ANodeGoneQuietIsStaleNamedAndNotAskedUntilItRegistersAgain) {
  Node& quiet = fleet().node("reg-quiet");
  // Frozen only once a heartbeat (which says its 1 s interval) reached the registry too: a
  // node the registry knows only from its start-up sweep has the default interval.
  BusListener heartbeats(fleet().endpoints(), {bus::registrationTopic("drover")});
  ASSERT_TRUE(heartbeats.next(10s, [](const Envelope& env) { return env.sender == "reg-quiet"; }))
      << quiet.log();
  ASSERT_EQ(::kill(quiet.pid(), SIGSTOP), 0);
  Result find;
  bool stale = testing::waitFor(
      [&] {
        find = fleet().drover({"find", "--dm", "registry"});
        return find.err.find("reg-quiet (last registered") != std::string::npos;
      },
      20s);
  EXPECT_TRUE(stale) << find << registry_->log();
  EXPECT_EQ(sortedLines(find.out), without("reg-quiet")) << find;
  EXPECT_THAT(find.err, HasSubstr("not asked, gone quiet in registry " + std::string(kRegistry)))
      << find;
  Result ping = fleet().drover({"ping", "--dm", "registry", "-F", "role=web"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("1 of 1 nodes answered")) << ping;

  ASSERT_EQ(::kill(quiet.pid(), SIGCONT), 0);
  EXPECT_TRUE(waitListed(fleet().identities())) << registry_->log();
}

// A listing that no longer holds (here: a registration the node's own key signed, saying
// role=db) makes the node answer that the filter does not match it: it runs nothing, and
// the call names it apart from failures and silence.
TEST_F(RegistryDiscovery, ANodeTheRegistryListsWronglyRunsNothingAndIsNamedAsNoLongerMatching) {
  Node& web = fleet().node("reg-web-1");
  RawCaller bus(fleet());
  Envelope claim = registration("reg-web-1", {{"role", "db"}}, util::nowMs(), web.credentials());
  bus.publish(bus::registrationTopic("drover"), envelope::encode(claim));
  ASSERT_TRUE(testing::waitFor(
      [&] {
        return sortedLines(fleet().drover({"find", "--dm", "registry", "-F", "role=db"}).out) ==
               Names{"reg-db-1", "reg-db-2", "reg-web-1"};
      },
      10s))
      << registry_->log();

  Result ping = fleet().drover({"ping", "--dm", "registry", "-F", "role=db"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("2 of 3 nodes answered, 2 ok, 0 failed, 0 no reply, 1 no "
                                  "longer matching"))
      << ping;
  EXPECT_THAT(ping.out, HasSubstr("no longer matching the filter (ran nothing): reg-web-1"))
      << ping;
  EXPECT_THAT(ping.out, Not(HasSubstr("reg-web-1  "))) << ping;

  // Restarted, it registers what it really has.
  web.stop();
  web.start();
  web.waitReady(15s);
  EXPECT_TRUE(testing::waitFor(
      [&] {
        return sortedLines(fleet().drover({"find", "--dm", "registry", "-F", "role=web"}).out) ==
               Names{"reg-quiet", "reg-web-1"};
      },
      10s));
}

TEST_F(RegistryDiscovery, WithoutARegistryTheCallSaysSoAndHowToGoOn) {
  registry_->stop();
  Result find = fleet().drover({"find", "--dm", "registry"});
  EXPECT_EQ(find.exitCode, 3) << find;
  EXPECT_THAT(find.err, HasSubstr("--dm registry: no registry answered within 2000 ms")) << find;
  EXPECT_THAT(find.err, HasSubstr("--dm broadcast asks the nodes instead")) << find;
  registry_->start();
}

TEST_F(RegistryDiscovery, DmNodesNeedsANodeListAndANodeListTakesNoOtherMethod) {
  Result bare = fleet().drover({"find", "--dm", "nodes"});
  EXPECT_EQ(bare.exitCode, 2) << bare;
  EXPECT_THAT(bare.err, HasSubstr("--dm nodes needs --nodes FILE")) << bare;
  Result both = fleet().drover({"ping", "--dm", "registry", "--nodes", "-"}, "reg-db-1\n");
  EXPECT_EQ(both.exitCode, 2) << both;
  EXPECT_THAT(both.err, HasSubstr("cannot be combined with --dm registry")) << both;
  Result list = fleet().drover({"ping", "--dm", "nodes", "--nodes", "-"}, "reg-db-1\n");
  EXPECT_EQ(list.exitCode, 0) << list;
  Result unknown = fleet().drover({"find", "--dm", "mc"});
  EXPECT_EQ(unknown.exitCode, 2) << unknown;
}

// The provisioner answers its agents only as a node would: a copy of a request is dropped,
// an old one refused, one for another provisioner ignored, a played-back registration too.
class ProvisionerRequests : public RegistryDiscovery {
 protected:
  Envelope signedRequest(const std::string& agent, const std::string& action, Json args,
                         RawCaller& bus) {
    Envelope env = bus.request(agent, action, std::move(args));
    security::signEnvelope(env, security::Signer::fromFiles(fleet().adminCredentials().key,
                                                            fleet().adminCredentials().cert));
    return env;
  }
  // A fresh request is answered; as the provisioner answers in order, a request sent
  // before it and not answered by then never will be.
  void expectStillServing(RawCaller& bus) {
    Envelope fresh = signedRequest(registry::kAgent, "find", Json::object(), bus);
    bus.send(kRegistry, envelope::encode(fresh));
    auto reply = bus.reply(fresh.id, 5s);
    ASSERT_TRUE(reply.has_value()) << registry_->log();
    EXPECT_EQ(reply->status.code, StatusCode::Ok) << reply->status.message;
  }
};

TEST_F(ProvisionerRequests, AReplayedRequestIsDroppedUnanswered) {
  RawCaller bus(fleet());
  Envelope status = signedRequest("provisioner", "status", Json::object(), bus);
  const std::string wire = envelope::encode(status);
  bus.send(kRegistry, wire);
  auto first = bus.reply(status.id, 5s);
  ASSERT_TRUE(first.has_value()) << registry_->log();
  EXPECT_EQ(first->status.code, StatusCode::Ok) << first->status.message;

  bus.send(kRegistry, wire);
  expectStillServing(bus);
  EXPECT_EQ(bus.replies(status.id), 1u) << "the replayed copy was answered";
  EXPECT_TRUE(testing::waitFor(
      [&] { return registry_->log().find("was already received (replay)") != std::string::npos; },
      5s))
      << registry_->log();
}

TEST_F(ProvisionerRequests, AnOldRequestIsRefusedAndOneForAnotherProvisionerIgnored) {
  RawCaller bus(fleet());
  Envelope old = bus.request("provisioner", "status", Json::object());
  old.time = util::nowMs() - 120'000;
  security::signEnvelope(old, security::Signer::fromFiles(fleet().adminCredentials().key,
                                                          fleet().adminCredentials().cert));
  bus.send(kRegistry, envelope::encode(old));
  auto refused = bus.reply(old.id, 5s);
  ASSERT_TRUE(refused.has_value()) << registry_->log();
  EXPECT_EQ(refused->status.code, StatusCode::Refused);
  EXPECT_THAT(refused->status.message, HasSubstr("expired")) << refused->status.message;

  Envelope elsewhere = bus.request("provisioner", "status", Json::object());
  elsewhere.targets = {"other.provisioner"};
  security::signEnvelope(elsewhere, security::Signer::fromFiles(fleet().adminCredentials().key,
                                                                fleet().adminCredentials().cert));
  bus.broadcast("provisioner", envelope::encode(elsewhere));
  expectStillServing(bus);
  EXPECT_EQ(bus.replies(elsewhere.id), 0u) << "a request for another provisioner was answered";
}

TEST_F(ProvisionerRequests, ARegistrationPlayedBackLaterIsNotListed) {
  RawCaller bus(fleet());
  Credentials ghost = fleet().issue("reg-ghost", security::Role::Node);
  bus.publish(
      bus::registrationTopic("drover"),
      envelope::encode(registration("reg-ghost", Json::object(), util::nowMs() - 120'000, ghost)));
  EXPECT_TRUE(testing::waitFor(
      [&] {
        return registry_->log().find("registration") != std::string::npos &&
               registry_->log().find("reg-ghost") != std::string::npos &&
               registry_->log().find("expired") != std::string::npos;
      },
      5s))
      << registry_->log();
  EXPECT_EQ(listed(), fleet().identities());

  // The same registration sent now is listed: it was its age that kept it out.
  bus.publish(bus::registrationTopic("drover"),
              envelope::encode(registration("reg-ghost", Json::object(), util::nowMs(), ghost)));
  Names withGhost = fleet().identities();
  withGhost.push_back("reg-ghost");
  std::sort(withGhost.begin(), withGhost.end());
  EXPECT_TRUE(waitListed(withGhost));
  Envelope leaving = registration("reg-ghost", Json::object(), util::nowMs(), ghost);
  leaving.data["leaving"] = true;
  security::signEnvelope(leaving, security::Signer::fromFiles(ghost.key, ghost.cert));
  bus.publish(bus::registrationTopic("drover"), envelope::encode(leaving));
  EXPECT_TRUE(waitListed(fleet().identities()));
}

TEST_F(ProvisionerRequests, ABadRegistryQueryIsAnsweredWithWhatIsWrong) {
  RawCaller bus(fleet());
  Envelope numeric = signedRequest(registry::kAgent, "find", {{"filter", 7}}, bus);
  bus.send(kRegistry, envelope::encode(numeric));
  auto reply = bus.reply(numeric.id, 5s);
  ASSERT_TRUE(reply.has_value()) << registry_->log();
  EXPECT_EQ(reply->status.code, StatusCode::InvalidData);
  EXPECT_THAT(reply->status.message, HasSubstr("filter must be a string"));

  Envelope malformed = signedRequest(registry::kAgent, "find", {{"filter", "role="}}, bus);
  bus.send(kRegistry, envelope::encode(malformed));
  reply = bus.reply(malformed.id, 5s);
  ASSERT_TRUE(reply.has_value()) << registry_->log();
  EXPECT_EQ(reply->status.code, StatusCode::InvalidData);
  EXPECT_THAT(reply->status.message, HasSubstr("filter: "));

  Envelope unknown = signedRequest(registry::kAgent, "list", Json::object(), bus);
  bus.send(kRegistry, envelope::encode(unknown));
  reply = bus.reply(unknown.id, 5s);
  ASSERT_TRUE(reply.has_value()) << registry_->log();
  EXPECT_EQ(reply->status.code, StatusCode::UnknownAction);
}

}  // namespace
}  // namespace drover::integration
