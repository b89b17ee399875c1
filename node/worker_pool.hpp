#pragma once
// A fixed set of worker threads behind a bounded queue, so a slow agent occupies one
// worker and never the bus thread; when the queue is full the node answers "busy"
// instead of buffering without limit. All methods are thread safe.
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
  WorkerPool(std::size_t workers, std::size_t queueLimit);
  ~WorkerPool();  // stop()s
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues a job; false when the queue is full or the pool is stopping.
  bool trySubmit(std::function<void()> job);

  /// Lets queued and running jobs finish, then joins every worker. Idempotent.
  void stop();

  std::size_t queued() const;
  std::size_t workers() const { return threads_.size(); }

 private:
  void work();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_
  std::size_t queueLimit_;
  bool stopping_ = false;  // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace drover::node
