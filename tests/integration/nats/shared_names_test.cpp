// The provisioners' shared names on real nats-servers with JetStream: the ledger's
// conditional writes (kv_name_ledger.hpp), then name keepers of separate provisioners
// (each with its own state database) naming nodes at once through one bucket.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/clock.hpp"
#include "provisioner/kv_name_ledger.hpp"
#include "provisioner/name_keeper.hpp"
#include "testing/nats_server.hpp"
#include "testing/process.hpp"

namespace drover::provisioner {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

Json web() { return Json{{"service", "web"}, {"type", "iterative"}, {"aliases", Json::array()}}; }
Json db() { return Json{{"service", "db"}, {"type", "masterful"}, {"aliases", Json::array()}}; }

naming::Holding holding(const std::string& name, const std::string& node) {
  auto parsed = naming::parseName(name);
  naming::Holding h;
  h.name = name;
  h.service = parsed->service;
  h.type = parsed->type;
  h.node = node;
  h.sinceMs = util::nowMs();
  return h;
}

// Nodes that answer every call as asked: what the keepers decide is under test here,
// the nodes' side is droverd's (tests/integration/naming).
class AnsweringNodes : public StepExecutor, public Broadcaster {
 public:
  std::vector<CallReply> call(const CallRequest& request) override {
    std::vector<CallReply> out;
    for (const auto& node : request.nodes) {
      Json data{{"name", request.args.value("name", "")},
                {"aliases", request.args.value("aliases", Json::array())},
                {"version", request.args.value("version", 0)}};
      out.push_back(CallReply{node, true, {}, data, "", true});
    }
    return out;
  }
  std::size_t broadcast(const CallRequest& /*request*/) override { return 0; }
};

class SharedNames : public ::testing::Test {
 protected:
  LedgerOptions ledgerOptions(const std::string& who) {
    LedgerOptions options;
    options.endpoints.transport = bus::TransportKind::Nats;
    options.endpoints.nats.servers = {server.url()};
    options.connectionName = who;
    options.openTimeout = 20s;
    return options;
  }

  // One provisioner's side: its own state database, ledger and keeper.
  struct Provisioner {
    testing::TempDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<KvNameLedger> ledger;
    std::unique_ptr<NameKeeper> keeper;
  };
  std::unique_ptr<Provisioner> provisioner(const std::string& who) {
    auto p = std::make_unique<Provisioner>();
    p->store = std::make_unique<Store>(p->dir.path() / "state.db");
    p->ledger = std::make_unique<KvNameLedger>(ledgerOptions(who));
    NamingOptions options;
    options.releaseAfter = 60s;
    options.pushInterval = 20ms;
    p->keeper = std::make_unique<NameKeeper>(
        options, *p->store, nodes, &nodes, [] { return util::nowMs(); }, p->ledger.get());
    p->keeper->start();
    return p;
  }

  // name -> node, as a keeper lists them.
  static std::map<std::string, std::string> holders(NameKeeper& keeper) {
    std::map<std::string, std::string> out;
    Json listed = keeper.list("");
    for (const auto& h : listed["names"]) {
      out[h.value("name", "")] = h.value("node", "");
    }
    return out;
  }

  testing::NatsServer server{testing::NatsServerOptions{.jetStream = true}};
  AnsweringNodes nodes;
};

TEST_F(SharedNames, AFreeNameIsCreatedOnceAndTheLaterWriterReadsTheWinner) {
  KvNameLedger a(ledgerOptions("a")), b(ledgerOptions("b"));
  EXPECT_TRUE(a.open([](const auto&) {}).empty());
  EXPECT_TRUE(b.open([](const auto&) {}).empty());
  KvNameLedger::Entry current;
  auto first = a.write({"web-1", holding("web-1", "node-a"), 0}, &current);
  ASSERT_TRUE(first.has_value());
  auto second = b.write({"web-1", holding("web-1", "node-b"), 0}, &current);
  EXPECT_FALSE(second.has_value()) << "one name given twice";
  ASSERT_TRUE(current.holding.has_value());
  EXPECT_EQ(current.holding->node, "node-a");
  EXPECT_EQ(current.revision, *first);
  // At the revision it now knows, b may change it; a, still at the old one, may not.
  auto freed = b.write({"web-1", std::nullopt, current.revision}, &current);
  ASSERT_TRUE(freed.has_value());
  EXPECT_FALSE(a.write({"web-1", holding("web-1", "node-a2"), *first}, &current).has_value());
  EXPECT_FALSE(current.holding.has_value()) << "read back as free";
  EXPECT_EQ(current.revision, *freed);
}

TEST_F(SharedNames, EachLedgerWatchesTheOthersChangesInOrder) {
  KvNameLedger a(ledgerOptions("a")), b(ledgerOptions("b"));
  std::mutex mutex;
  std::vector<KvNameLedger::Entry> seen;
  a.open([](const auto&) {});
  b.open([&](const KvNameLedger::Entry& e) {
    std::lock_guard lock(mutex);
    seen.push_back(e);
  });
  KvNameLedger::Entry current;
  auto r1 = a.write({"web-1", holding("web-1", "n1"), 0}, &current);
  auto r2 = a.write({"web-2", holding("web-2", "n2"), 0}, &current);
  auto r3 = a.write({"web-1", std::nullopt, *r1}, &current);
  ASSERT_TRUE(r1 && r2 && r3);
  ASSERT_TRUE(testing::waitFor(
      [&] {
        std::lock_guard lock(mutex);
        return seen.size() == 3;
      },
      10s));
  EXPECT_EQ(seen[0].revision, *r1);
  EXPECT_EQ(seen[1].holding->node, "n2");
  EXPECT_FALSE(seen[2].holding.has_value());
  // A ledger opened now reads the bucket as it is.
  KvNameLedger c(ledgerOptions("c"));
  auto names = c.open([](const auto&) {});  // in the bucket's order: web-2, then web-1
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].name, "web-2");
  ASSERT_TRUE(names[0].holding.has_value());
  EXPECT_EQ(names[0].holding->node, "n2");
  EXPECT_EQ(names[1].name, "web-1");
  EXPECT_FALSE(names[1].holding.has_value());
  EXPECT_EQ(names[1].revision, *r3);
}

TEST(SharedNameValues, AValueThatIsNoHoldingOfItsKeyReadsAsFreeAndSaysWhy) {
  std::string problem;
  auto e = KvNameLedger::decode("web-1", "{not json", 7, &problem);
  EXPECT_FALSE(e.holding.has_value());
  EXPECT_EQ(e.revision, 7u);
  EXPECT_EQ(problem, "not JSON");
  problem.clear();
  std::string other = KvNameLedger::encode(holding("web-2", "n"));
  EXPECT_FALSE(KvNameLedger::decode("web-1", other, 8, &problem).holding.has_value());
  EXPECT_THAT(problem, HasSubstr("web-2"));
  problem.clear();
  EXPECT_FALSE(KvNameLedger::decode("web-1", R"({"name":"web-1","type":"odd"})", 9, &problem)
                   .holding.has_value());
  EXPECT_THAT(problem, HasSubstr("type"));
  problem.clear();
  auto back =
      KvNameLedger::decode("web-1", KvNameLedger::encode(holding("web-1", "n")), 3, &problem);
  EXPECT_EQ(problem, "");
  ASSERT_TRUE(back.holding.has_value());
  EXPECT_EQ(back.holding->node, "n");
  EXPECT_EQ(back.holding->lastSeenMs, 0) << "each provisioner's own";
  EXPECT_FALSE(KvNameLedger::decode("web-1", KvNameLedger::encode(std::nullopt), 4, &problem)
                   .holding.has_value());
  EXPECT_EQ(problem, "");
}

TEST(SharedNameLedger, AServerWithoutJetStreamIsNamedInTheError) {
  testing::NatsServer plain;
  LedgerOptions options;
  options.endpoints.transport = bus::TransportKind::Nats;
  options.endpoints.nats.servers = {plain.url()};
  options.openTimeout = 2s;
  KvNameLedger ledger(options);
  try {
    ledger.open([](const auto&) {});
    FAIL() << "opened a bucket on a server without JetStream";
  } catch (const LedgerError& e) {
    EXPECT_THAT(e.what(), HasSubstr("NATS KV bucket drover_names"));
    EXPECT_THAT(e.what(), HasSubstr("not reachable within 2000 ms"));
    EXPECT_THAT(e.what(), HasSubstr("naming.ledger: local"));
  }
  options.bucket = "no.dots";
  EXPECT_THROW(KvNameLedger{options}, LedgerError);
}

// Two provisioners naming 40 nodes each at the same moment, from several threads each:
// every name is given once, and both end with the same table.
TEST_F(SharedNames, TwoKeepersNamingAtOnceNeverGiveANameTwice) {
  auto a = provisioner("a");
  auto b = provisioner("b");
  std::mutex mutex;
  std::map<std::string, std::string> given;  // name -> node
  std::vector<std::string> problems;
  std::atomic<bool> go{false};
  auto burst = [&](NameKeeper& keeper, const std::string& prefix, int from) {
    while (!go) std::this_thread::yield();
    for (int i = from; i < from + 20; ++i) {
      std::string node = prefix + std::to_string(i);
      NameAssigner::Given g;
      for (int attempt = 0; attempt < 5; ++attempt) {  // as the flow's step retries
        g = keeper.assign(node, web(), Json{{"ipaddress", "10.0.0.1"}});
        if (g.error.empty()) break;
      }
      keeper.told(node, Json{{"name", g.name}});
      std::lock_guard lock(mutex);
      if (!g.error.empty()) problems.push_back(node + ": " + g.error);
      auto [it, fresh] = given.emplace(g.name, node);
      if (!fresh) problems.push_back(g.name + " given to " + it->second + " and " + node);
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(burst, std::ref(*a->keeper), "a-node-", 0);
  threads.emplace_back(burst, std::ref(*a->keeper), "a-node-", 20);
  threads.emplace_back(burst, std::ref(*b->keeper), "b-node-", 0);
  threads.emplace_back(burst, std::ref(*b->keeper), "b-node-", 20);
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_THAT(problems, ::testing::IsEmpty());
  EXPECT_EQ(given.size(), 80u);
  EXPECT_TRUE(testing::waitFor([&] { return holders(*a->keeper) == holders(*b->keeper); }, 10s));
  EXPECT_EQ(holders(*a->keeper), given);
  // The lowest free numbers, as one provisioner would have given them.
  for (int i = 0; i < 80; ++i) EXPECT_EQ(given.count("web-" + std::to_string(i)), 1u) << i;

  // A third provisioner with an empty database reads them all from the bucket.
  auto c = provisioner("c");
  EXPECT_EQ(holders(*c->keeper), given);
}

// A masterful service: two nodes asking at once through two provisioners get one master.
TEST_F(SharedNames, OneMasterWhenTwoProvisionersNameAtOnce) {
  auto a = provisioner("a");
  auto b = provisioner("b");
  NameAssigner::Given ga, gb;
  std::thread ta([&] { ga = a->keeper->assign("db-a", db(), Json::object()); });
  std::thread tb([&] { gb = b->keeper->assign("db-b", db(), Json::object()); });
  ta.join();
  tb.join();
  ASSERT_EQ(ga.error, "");
  ASSERT_EQ(gb.error, "");
  std::set<std::string> names{ga.name, gb.name};
  EXPECT_EQ(names, (std::set<std::string>{"db-master", "db-slave-1"}));
  // A release at one provisioner frees the name at the other: its next node takes it.
  ASSERT_TRUE(a->keeper->release(ga.name, "admin", false).applied);
  ASSERT_TRUE(testing::waitFor([&] { return !holders(*b->keeper).count(ga.name); }, 10s));
  auto gc = b->keeper->assign("db-c", db(), Json::object());
  EXPECT_EQ(gc.name, ga.name);
}

}  // namespace
}  // namespace drover::provisioner
