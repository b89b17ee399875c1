#include "node/worker_pool.hpp"

#include <algorithm>
#include <system_error>

namespace drover::node {

WorkerPool::WorkerPool(std::size_t maxWorkers, std::size_t queueLimit)
    : maxWorkers_(std::max<std::size_t>(1, maxWorkers)), queueLimit_(queueLimit) {}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::trySubmit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= queueLimit_) return false;
    jobs_.push_back(std::move(job));
    // Each idle worker takes one job; more jobs than that start a thread, if allowed.
    if (jobs_.size() > idle_ && threads_.size() < maxWorkers_) {
      try {
        threads_.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        // Out of threads: the started ones take it later; with none, the node is busy.
        if (threads_.empty()) {
          jobs_.pop_back();
          return false;
        }
      }
    }
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;  // no thread is started after this
    threads.swap(threads_);
  }
  ready_.notify_all();
  for (auto& thread : threads) thread.join();
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

std::size_t WorkerPool::workers() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

std::size_t WorkerPool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_;
}

void WorkerPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace drover::node
