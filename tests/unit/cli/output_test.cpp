// The closing summary of a call: replies the bus dropped are counted and fail the call.
#include "cli/output.hpp"

#include "cli/context.hpp"

#include <cstdio>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace drover::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

rpc::CallResult twoRepliesOfABroadcast() {
  rpc::CallResult result;
  result.replies.push_back({"web-1", {}, {}, {}, true});
  result.replies.push_back({"web-2", {}, {}, {}, true});
  result.elapsed = std::chrono::milliseconds(12);
  return result;
}

std::string printed(const rpc::CallResult& result) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  printSummary(out, result);
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

TEST(CallSummary, ACompleteCallSaysNothingOfLosses) {
  rpc::CallResult result = twoRepliesOfABroadcast();
  EXPECT_EQ(summaryLine(result), "2 of 2 nodes answered, 2 ok, 0 failed, 0 no reply, in 12 ms");
  EXPECT_THAT(printed(result), Not(HasSubstr("lost")));
  EXPECT_EQ(exitCodeFor(result), kExitOk);
}

TEST(CallSummary, RepliesTheBusDroppedAreCountedExplainedAndFailTheCall) {
  rpc::CallResult result = twoRepliesOfABroadcast();
  result.lost = 3;
  EXPECT_EQ(summaryLine(result),
            "2 of 2 nodes answered, 2 ok, 0 failed, 0 no reply, 3 lost, in 12 ms");
  EXPECT_THAT(printed(result), HasSubstr("3 replies lost: the bus dropped them because this "
                                         "client read too slowly (a slow consumer)"));
  EXPECT_NE(exitCodeFor(result), kExitOk) << "a call with lost replies is not a success";
}

TEST(CallSummary, AReconnectionDuringTheCallIsSaid) {
  rpc::CallResult result = twoRepliesOfABroadcast();
  result.reconnected = true;
  EXPECT_THAT(printed(result), HasSubstr("the bus connection was lost and made again"));
}

}  // namespace
}  // namespace drover::cli
