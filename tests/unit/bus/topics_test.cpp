// Topics through a real router: full-topic subscriptions never match a longer name.
#include "core/bus/topics.hpp"

#include <gtest/gtest.h>

#include "tests/unit/bus/router_fixture.hpp"

namespace drover::bus {
namespace {

using namespace std::chrono_literals;

TEST(BusTopics, NamesMirrorNatsSubjects) {
  EXPECT_EQ(broadcastTopic("drover", "puppet"), "drover.broadcast.agent.puppet");
  EXPECT_EQ(nodeTopic("drover", "web1.example.com"), "drover.node.web1.example.com");
  EXPECT_EQ(replyTopic("drover", "c1"), "drover.reply.c1");
  EXPECT_EQ(registrationTopic("drover"), "drover.registration");
  EXPECT_EQ(topicOf(wireTopic("a.b")), "a.b");
  EXPECT_EQ(topicOf("no-delimiter"), "");
}

TEST(BusTopics, RejectsWildcardsAndWhitespaceInNames) {
  EXPECT_TRUE(validTopicPart("web-1.example.com"));
  EXPECT_FALSE(validTopicPart(""));
  EXPECT_FALSE(validTopicPart("web 1"));
  EXPECT_FALSE(validTopicPart("web*"));
  EXPECT_FALSE(validTopicPart(">"));
  EXPECT_FALSE(validTopicPart("web-1..example"));
  EXPECT_FALSE(validTopicPart(".web-1"));
  EXPECT_FALSE(validTopicPart("web-1.example.com."));
  EXPECT_FALSE(validTopicPart(std::string("a\0b", 3)));
}

TEST(BusTopics, AgentPuppetNeverReceivesPuppetca) {
  testing::RouterThread router;
  zmq::context_t context(1);
  ZmqConnection puppetNode(context, router.endpoints());
  puppetNode.subscribe(broadcastTopic("drover", "puppet"));
  ASSERT_TRUE(puppetNode.waitReady(5s));
  ZmqConnection client(context, router.endpoints());
  ASSERT_TRUE(client.waitReady(5s));
  client.publish(broadcastTopic("drover", "puppetca"), "for the CA");
  client.publish(broadcastTopic("drover", "puppet"), "for puppet");
  auto first = puppetNode.receive(2s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->body, "for puppet");
  EXPECT_FALSE(puppetNode.receive(200ms).has_value());
}

TEST(BusTopics, RouterCountsMessagesAndSubscriptions) {
  testing::RouterThread router;
  zmq::context_t context(1);
  ZmqConnection node(context, router.endpoints());
  node.subscribe(nodeTopic("drover", "n1"));
  ASSERT_TRUE(node.waitReady(5s));
  node.publish(nodeTopic("drover", "n1"), "x");
  ASSERT_TRUE(node.receive(2s).has_value());
  EXPECT_GE(router.stats().messagesIn, 2u);  // the readiness probe and our message
  EXPECT_GE(router.stats().subscribes, 1u);
}

}  // namespace
}  // namespace drover::bus
