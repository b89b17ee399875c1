#include "agents/provision/state_store.hpp"

#include <stdexcept>
#include <system_error>

#include "core/util/files.hpp"

namespace drover::agents::provision {

namespace fs = std::filesystem;

StateStore::StateStore(fs::path file, std::string what)
    : file_(std::move(file)), what_(std::move(what)) {}

Json StateStore::read() const {
  std::lock_guard lock(mutex_);
  return readLocked();
}

Json StateStore::readLocked() const {
  std::error_code ec;
  if (!fs::exists(file_, ec)) return Json::object();
  Json doc = Json::parse(util::readFile(file_), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw std::runtime_error(what_ + " " + file_.string() +
                             " is not a JSON object; fix or remove it");
  }
  return doc;
}

Json StateStore::update(const std::function<void(Json&)>& change) {
  std::lock_guard lock(mutex_);
  Json before = readLocked();
  Json after = before;
  change(after);
  if (after != before) {
    std::error_code ec;
    fs::create_directories(file_.parent_path(), ec);
    if (ec) {
      throw std::runtime_error("cannot create " + file_.parent_path().string() + ": " +
                               ec.message());
    }
    util::writeFileAtomically(file_, after.dump(2) + "\n", 0600);
  }
  return after;
}

void StateStore::recordStep(const std::string& step, Json details, std::int64_t nowMs) {
  if (!details.is_object()) details = Json::object();
  details["completed_at"] = nowMs / 1000;
  update([&](Json& state) { state["steps"][step] = details; });
}

}  // namespace drover::agents::provision
