#pragma once
// Worker threads behind a bounded queue, so a slow agent occupies one worker and never
// the bus thread; when the queue is full the node answers "busy" instead of buffering
// without limit. A thread is started when a job finds every started one busy, up to the
// limit, so an idle node holds none and a master asked by many nodes at once does not
// queue them behind a few. All methods are thread safe.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace drover::node {

class WorkerPool {
 public:
  /// At most `maxWorkers` threads; at most `queueLimit` jobs waiting for one.
  WorkerPool(std::size_t maxWorkers, std::size_t queueLimit);
  ~WorkerPool();  // stop()s
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues a job; false when the queue is full or the pool is stopping.
  bool trySubmit(std::function<void()> job);

  /// Lets queued and running jobs finish, then joins every worker. Idempotent.
  void stop();

  std::size_t queued() const;
  /// Threads started so far, and of them those waiting for a job.
  std::size_t workers() const;
  std::size_t idle() const;

 private:
  void work();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_
  std::size_t maxWorkers_;
  std::size_t queueLimit_;
  std::size_t idle_ = 0;              // workers waiting for a job; guarded by mutex_
  bool stopping_ = false;             // guarded by mutex_
  std::vector<std::thread> threads_;  // guarded by mutex_
};

}  // namespace drover::node
