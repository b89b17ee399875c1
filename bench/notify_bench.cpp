// What publish() costs the provisioning loop that calls it: the figure the notify tests
// used to hold to 50 ms. It only queues, whether the channel is delivering (it takes each
// message at once; rendering still falls behind this tight loop, so the queue fills and
// drops) or hangs (a dead server: after the first 1,000 events every publish() drops).
// `dropped` counts the events refused.
#include <condition_variable>
#include <mutex>

#include <benchmark/benchmark.h>

#include "core/log/log.hpp"
#include "notifiers/dispatcher.hpp"

namespace {

namespace notifiers = drover::notifiers;

// Takes every message at once, or, when `hang` is set, never returns until stop().
class SinkNotifier : public notifiers::Notifier {
 public:
  explicit SinkNotifier(bool hang) : Notifier("sink", "bench"), hang_(hang) {}
  void stop() noexcept override {
    std::lock_guard lock(mutex_);
    hang_ = false;
    released_.notify_all();
  }

 protected:
  void send(const notifiers::Message&) override {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return !hang_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  bool hang_;
};

notifiers::Event provisioned(int i) {
  notifiers::Event event;
  event.kind = notifiers::EventKind::Provisioned;
  event.node = "web" + std::to_string(i);
  event.master = "puppet-eu1.example.com";
  event.facts = {{"region", "eu-west-1"}, {"role", "web"}};
  event.steps = {{"pick_master", 12, true, ""}, {"sign_certificate", 1200, true, ""}};
  return event;
}

// state.range(0): 0 the channel delivers, 1 it hangs.
void notifyPublish(benchmark::State& state) {
  drover::log::get("drover.notify")->set_level(spdlog::level::off);  // a line per 100 drops
  notifiers::ChannelOptions options;
  options.name = "sink";
  options.type = "bench";
  std::vector<notifiers::Dispatcher::Channel> channels;
  channels.push_back({options, std::make_unique<SinkNotifier>(state.range(0) == 1)});
  notifiers::Dispatcher dispatcher(std::move(channels));
  int i = 0;
  for (auto _ : state) dispatcher.publish(provisioned(i++));
  dispatcher.shutdown(std::chrono::milliseconds(0));
  auto stats = dispatcher.stats().front();
  state.counters["dropped"] = static_cast<double>(stats.dropped);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(notifyPublish)->Arg(0)->Arg(1);

}  // namespace
