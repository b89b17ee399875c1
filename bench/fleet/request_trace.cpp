#include "bench/fleet/request_trace.hpp"

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "core/util/json.hpp"

namespace drover::bench {

std::int64_t wallMicros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

void RequestTrace::arrived(const std::string& id, std::int64_t sentMs, std::int64_t arrivedUs) {
  Entry& entry = entries_[id];
  if (entry.arrivals++ == 0) {
    entry.sentMs = sentMs;
    entry.firstArrivalUs = arrivedUs;
  }
  entry.lastArrivalUs = arrivedUs;
}

void RequestTrace::replied(const std::string& id, std::int64_t repliedUs) {
  Entry& entry = entries_[id];
  ++entry.replies;
  entry.lastReplyUs = repliedUs;
}

void RequestTrace::write(const std::filesystem::path& file) const {
  std::ofstream out(file);
  for (const auto& [id, e] : entries_) {
    out << Json{{"id", id},
                {"sent_ms", e.sentMs},
                {"first_arrival_us", e.firstArrivalUs},
                {"last_arrival_us", e.lastArrivalUs},
                {"last_reply_us", e.lastReplyUs},
                {"arrivals", e.arrivals},
                {"replies", e.replies}}
               .dump()
        << "\n";
  }
  if (!out) throw std::runtime_error("cannot write trace " + file.string());
}

}  // namespace drover::bench
