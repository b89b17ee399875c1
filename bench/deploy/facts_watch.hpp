#pragma once
// Watches members' cluster facts files (<root>/etc/drover/cluster_facts.json) with
// inotify and times, per member, the moment its file first names someone outside a
// known set: how long a new member's facts take to reach every other member. The
// cluster agent replaces the file by rename, so each new version is one IN_MOVED_TO
// on the directory; a full look at the members still waiting is taken as well when
// the kernel's queue overflowed, and every 500 ms in case an event was missed.
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace drover::bench::deploy {

class FactsWatch {
 public:
  /// Watches each root's etc/drover; `known` are the names already in every file.
  /// Throws std::runtime_error when inotify or a watch cannot be set up.
  FactsWatch(const std::vector<std::filesystem::path>& roots, std::set<std::string> known);
  ~FactsWatch();
  FactsWatch(const FactsWatch&) = delete;
  FactsWatch& operator=(const FactsWatch&) = delete;

  /// Marks `start`; from then, waits until every file names a new member or `timeout`
  /// passed, calling `check` (which may throw) between waits. Returns seconds from
  /// `start` per member that saw one; members that did not are left out.
  std::vector<double> await(std::chrono::steady_clock::time_point start,
                            std::chrono::seconds timeout, void (*check)());

 private:
  bool hasNewName(std::size_t member) const;
  void look(std::size_t member, std::chrono::steady_clock::time_point start);
  void drainEvents(std::chrono::steady_clock::time_point start);

  int fd_ = -1;
  std::vector<std::filesystem::path> files_;
  std::map<int, std::size_t> members_;  // watch descriptor -> member
  std::set<std::string> known_;
  std::set<std::size_t> waiting_;
  std::vector<double> seconds_;
};

}  // namespace drover::bench::deploy
