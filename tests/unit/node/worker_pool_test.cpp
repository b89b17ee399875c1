// The node's worker pool: no thread until a request needs one, a thread for each job
// that finds every started one busy up to the limit, the rest queued, and "busy" past
// the queue's limit.
#include "node/worker_pool.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace drover::node {
namespace {

// Jobs that hold their worker until released.
class Gate {
 public:
  std::function<void()> job() {
    return [this] {
      std::unique_lock lock(mutex_);
      ++running_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return open_; });
      --running_;
      ++done_;
      changed_.notify_all();
    };
  }
  void waitRunning(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return running_ == n; });
  }
  void waitDone(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return done_ == n; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int done() {
    std::lock_guard lock(mutex_);
    return done_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int running_ = 0, done_ = 0;
  bool open_ = false;
};

TEST(WorkerPool, AnIdlePoolHoldsNoThread) {
  WorkerPool pool(16, 10);
  EXPECT_EQ(pool.workers(), 0u);
}

TEST(WorkerPool, EachJobFindingEveryWorkerBusyStartsOneUpToTheLimit) {
  WorkerPool pool(3, 10);
  Gate gate;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.trySubmit(gate.job()));
  gate.waitRunning(3);  // three at once, not the four-then-queue of a fixed pool
  EXPECT_EQ(pool.workers(), 3u);
  EXPECT_EQ(pool.queued(), 2u);
  gate.open();
  gate.waitDone(5);
  EXPECT_EQ(pool.workers(), 3u);
}

TEST(WorkerPool, AnIdleWorkerIsReusedRatherThanAnotherStarted) {
  WorkerPool pool(8, 10);
  for (int i = 0; i < 20; ++i) {
    Gate gate;
    gate.open();
    ASSERT_TRUE(pool.trySubmit(gate.job()));
    gate.waitDone(1);
    while (pool.idle() != pool.workers()) std::this_thread::yield();  // back to waiting
  }
  EXPECT_EQ(pool.workers(), 1u);
}

TEST(WorkerPool, PastTheQueueLimitTheNodeIsBusyAndStopLetsQueuedJobsFinish) {
  Gate gate;
  {
    WorkerPool pool(1, 2);
    ASSERT_TRUE(pool.trySubmit(gate.job()));
    gate.waitRunning(1);
    ASSERT_TRUE(pool.trySubmit(gate.job()));
    ASSERT_TRUE(pool.trySubmit(gate.job()));
    EXPECT_FALSE(pool.trySubmit(gate.job()));  // two queued already
    gate.open();
    pool.stop();
    EXPECT_EQ(gate.done(), 3);
    EXPECT_FALSE(pool.trySubmit(gate.job()));  // stopped
  }
}

}  // namespace
}  // namespace drover::node
