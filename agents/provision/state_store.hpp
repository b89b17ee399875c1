#pragma once
// The node's own record of its provisioning (<root>/var/lib/drover/provision.json):
// the certname, server and port in use, the steps completed and the provisioning
// claim. Replaced atomically on every change, so it survives a droverd restart.
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "core/util/json.hpp"

namespace drover::agents::provision {

class StateStore {
 public:
  /// `what` names the record in errors ("provisioning state", "naming state").
  explicit StateStore(std::filesystem::path file, std::string what = "provisioning state");

  const std::filesystem::path& file() const { return file_; }

  /// The whole record; an empty object when the file does not exist yet.
  /// Throws std::runtime_error naming the file when it cannot be read or is not a
  /// JSON object (it is never overwritten then: an operator should look at it).
  Json read() const;

  /// Reads, lets `change` edit the record and writes it back if it changed, all under
  /// one lock, so concurrent actions never lose each other's updates. Returns the
  /// record as written. Throws what read() throws, or std::runtime_error on write.
  Json update(const std::function<void(Json&)>& change);

  /// Records `step` as completed at `nowMs` with `details`.
  void recordStep(const std::string& step, Json details, std::int64_t nowMs);

 private:
  Json readLocked() const;

  std::filesystem::path file_;
  std::string what_;
  mutable std::mutex mutex_;
};

}  // namespace drover::agents::provision
