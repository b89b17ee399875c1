#pragma once
// The attack suites' fixture: hostile messages against real droverd processes. A
// RawCaller builds envelopes by hand, signs them with any key and publishes raw bytes:
// everything a hostile client on the bus can do. Each case checks that nothing ran (the
// witness agent has no new invocation), that the node's audit log or log names the
// refusal, and that the node keeps serving a legitimate caller.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/security/ca.hpp"
#include "core/security/keys.hpp"
#include "core/security/signing.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "testing/process.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration::attack {

namespace fs = std::filesystem;
using envelope::Envelope;
using envelope::StatusCode;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

inline constexpr const char* kEu = "attack-eu";
inline constexpr const char* kUs = "attack-us";
inline constexpr const char* kOpen = "attack-open";
inline constexpr const char* kFresh = "attack-fresh";

// Records every invocation next to itself, then answers. Arguments are data only.
inline constexpr const char* kWitness = R"(#!/usr/bin/env python3
import json, os, sys
request = json.load(sys.stdin)
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "invocations.log"), "a") as log:
    log.write(json.dumps(request) + "\n")
json.dump({"status": 0, "data": {"note": request["args"].get("note", "")}}, sys.stdout)
)";

inline constexpr const char* kWitnessDdl = R"({
  "metadata": {"name": "witness", "description": "Records each invocation",
               "author": "tests", "license": "Apache-2.0", "version": "1.0.0",
               "url": "https://example.org", "provider": "external", "timeout": 5},
  "actions": [
    {"action": "record", "description": "Record a note", "display": "always",
     "input": {"note": {"prompt": "Note", "description": "Any text", "type": "string",
                        "validation": ".*", "maxlength": 200, "optional": false}},
     "output": {"note": {"description": "The note", "display_as": "Note", "default": ""}}},
    {"action": "forbidden", "description": "An action no policy allows", "display": "always",
     "input": {}, "output": {}}
  ]
})";

// Admins may record, on eu-west-1 nodes only; everything else falls to the default.
inline constexpr const char* kWitnessPolicy = R"(default: deny
rules:
  - allow:
      callers: "*"
      roles: [admin]
      actions: [record]
      where: "region=eu-west-1"
)";

inline NodeSpec witnessNode(const std::string& identity, const std::string& region,
                            NodeSecurity security = NodeSecurity::Certificate) {
  NodeSpec spec;
  spec.identity = identity;
  spec.facts = "region: " + region + "\n";
  spec.agentFiles = {{"witness", kWitness}, {"witness.json", kWitnessDdl}};
  spec.policies = {{"witness", kWitnessPolicy}};
  spec.security = security;
  return spec;
}

inline std::vector<Json> jsonLines(const fs::path& file) {
  std::vector<Json> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

// A caller that builds envelopes by hand, signs them with any key, and publishes
// raw bytes: everything a hostile client on the bus can do.
class RawCaller {
 public:
  explicit RawCaller(const Fleet& fleet)
      : connection_(bus::connect(context_, fleet.endpoints())),
        replyTopic_(bus::replyTopic("drover", util::randomId())) {
    connection_->subscribe(replyTopic_);
    if (!connection_->waitReady(5s)) throw std::runtime_error("the bus is not reachable");
  }

  Envelope request(const std::string& agent, const std::string& action, Json args) const {
    Envelope env;
    env.id = util::randomId();
    env.type = envelope::MessageType::Request;
    env.collective = "drover";
    env.agent = agent;
    env.action = action;
    env.args = std::move(args);
    env.ttl = 60;
    env.time = util::nowMs();
    env.replyTo = replyTopic_;
    return env;
  }

  void send(const std::string& node, const std::string& body) {
    ASSERT_TRUE(connection_->publish(bus::nodeTopic("drover", node), body));
  }
  void broadcast(const std::string& agent, const std::string& body) {
    ASSERT_TRUE(connection_->publish(bus::broadcastTopic("drover", agent), body));
  }
  void publish(const std::string& topic, const std::string& body) {
    ASSERT_TRUE(connection_->publish(topic, body));
  }

  /// The first reply to `requestId` received so far or within `wait`. Every reply
  /// received on the way is kept, so replies() can tell later what else arrived.
  std::optional<Envelope> reply(const std::string& requestId, std::chrono::milliseconds wait) {
    if (auto kept = find(requestId)) return kept;
    auto deadline = util::SteadyClock::now() + wait;
    while (util::SteadyClock::now() < deadline) {
      auto message = connection_->receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - util::SteadyClock::now()));
      if (!message) break;
      try {
        received_.push_back(envelope::decode(message->body));
        if (received_.back().requestId == requestId) return received_.back();
      } catch (const envelope::DecodeError&) {
      }
    }
    return std::nullopt;
  }

  /// Replies to `requestId` received so far.
  std::size_t replies(const std::string& requestId) const {
    return static_cast<std::size_t>(
        std::count_if(received_.begin(), received_.end(),
                      [&](const Envelope& e) { return e.requestId == requestId; }));
  }

  const std::string& replyTopic() const { return replyTopic_; }

 private:
  std::optional<Envelope> find(const std::string& requestId) const {
    for (const auto& env : received_) {
      if (env.requestId == requestId) return env;
    }
    return std::nullopt;
  }

  std::vector<Envelope> received_;
  zmq::context_t context_{1};
  std::unique_ptr<bus::Transport> connection_;
  std::string replyTopic_;
};

class AttackSuite : public BusFleetSuite {
 protected:
  void SetUp() override {
    BusFleetSuite::SetUp();
    if (HasFatalFailure()) return;
    caller_ = std::make_unique<RawCaller>(fleet());
  }

  static security::Signer signerOf(const Credentials& credentials) {
    return security::Signer::fromFiles(credentials.key, credentials.cert);
  }
  static security::Signer admin() { return signerOf(fleet().adminCredentials()); }

  static std::size_t invocations(const std::string& node) {
    return jsonLines(fleet().node(node).agentsDir() / "invocations.log").size();
  }

  // The audit log's decision line for a request, or null when it has none.
  static Json decision(const std::string& node, const std::string& requestId) {
    for (const auto& line : jsonLines(fleet().node(node).auditLog())) {
      if (line.value("request_id", "") == requestId && line.value("event", "") == "decision") {
        return line;
      }
    }
    return nullptr;
  }

  // Sends `env` (signed already, or not) straight to `node`; returns the reply.
  std::optional<Envelope> deliver(const std::string& node, const Envelope& env) {
    caller_->send(node, envelope::encode(env));
    return caller_->reply(env.id, 5s);
  }

  // Asserts that `node` refused `env`: a Refused reply naming `why`, an audit line
  // with allowed=false naming it, no invocation, and a legitimate call still served.
  void expectRefused(const std::string& node, const Envelope& env, const std::string& why,
                     bool thenServing = true) {
    std::size_t before = invocations(node);
    auto reply = deliver(node, env);
    ASSERT_TRUE(reply.has_value()) << node << " did not answer";
    EXPECT_EQ(reply->status.code, StatusCode::Refused) << reply->status.message;
    EXPECT_THAT(reply->status.message, HasSubstr(why));
    Json line = decision(node, env.id);
    ASSERT_FALSE(line.is_null()) << "no audit line for " << env.id;
    EXPECT_EQ(line["allowed"], false) << line.dump();
    EXPECT_THAT(line.value("reason", ""), HasSubstr(why)) << line.dump();
    EXPECT_EQ(invocations(node), before) << "the agent ran";
    if (thenServing) expectServing(node);
  }

  // Asserts that `node` dropped `env` without a word: no reply (a ping sent after it
  // is answered, and replies come in order), no audit line, no invocation, and its
  // log names the drop (`why`).
  void expectDropped(const std::string& node, const Envelope& env, const std::string& why) {
    std::size_t before = invocations(node);
    caller_->send(node, envelope::encode(env));
    expectServing(node);
    EXPECT_EQ(caller_->replies(env.id), 0u) << node << " answered what it should have dropped";
    EXPECT_TRUE(decision(node, env.id).is_null()) << "an unverified request reached the audit log";
    EXPECT_EQ(invocations(node), before) << "the agent ran";
    EXPECT_TRUE(testing::waitFor(
        [&] {
          std::string log = fleet().node(node).log();
          return log.find(env.id) != std::string::npos && log.find(why) != std::string::npos;
        },
        5s))
        << "the drop of " << env.id << " (" << why << ") is not in the log";
  }

  void expectServing(const std::string& node) {
    Envelope ok = caller_->request("rpcutil", "ping", Json::object());
    security::signEnvelope(ok, admin());
    auto reply = deliver(node, ok);
    ASSERT_TRUE(reply.has_value()) << node << " stopped serving\n" << fleet().node(node).log();
    EXPECT_EQ(reply->status.code, StatusCode::Ok) << reply->status.message;
  }

  // The same for the enrolling node, whose refusals are unsigned (it has no key yet)
  // and which serves nothing a ping could prove.
  void expectRefusedWhileEnrolling(const Envelope& env, const std::string& why) {
    expectRefused(kFresh, env, why, /*thenServing=*/false);
  }

  std::unique_ptr<RawCaller> caller_;
};

}  // namespace drover::integration::attack
