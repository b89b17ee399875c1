#include "node/change_watch.hpp"

#include <exception>

#include "core/log/log.hpp"

namespace drover::node {
namespace {

using namespace std::chrono_literals;

constexpr auto kSettle = 100ms;        // a burst of events is read once, this long after its start
constexpr auto kTimedCheckEvery = 5s;  // without a watch: how often facts and the CRL are read

const log::Logger logger{"drover.node.watch"};

}  // namespace

ChangeWatch::ChangeWatch(const NodeConfig& config, bool security) : identity_(config.identity) {
  std::vector<util::FileWatch::Target> targets;
  auto add = [&](const std::filesystem::path& path, bool directory, Changes meaning) {
    if (path.empty()) return;
    targets.push_back({path, directory});
    meaning_.push_back(meaning);
  };
  add(config.factsFile, false, {.facts = true});
  add(config.classesFile, false, {.facts = true});
  if (security) {
    add(config.crlFile, false, {.crl = true});
    add(config.policyDir, true, {.policies = true});
  }
  if (!targets.empty()) {
    try {
      files_ = std::make_unique<util::FileWatch>(std::move(targets));
      fallBackIfIncomplete(Clock::now());
    } catch (const std::exception& e) {
      checkOnTimer(Clock::now());
      logger()->warn(
          "node={} cannot watch its files ({}): reading facts and the CRL every {} s, policies "
          "on SIGHUP only",
          config.identity, e.what(), kTimedCheckEvery.count());
    }
  }
  try {
    system_ = std::make_unique<facts::SystemWatch>();
  } catch (const std::exception& e) {
    checkOnTimer(Clock::now());
    logger()->warn(
        "node={} cannot watch addresses and host name ({}): re-resolving facts every {} s",
        config.identity, e.what(), kTimedCheckEvery.count());
  }
}

void ChangeWatch::addPollItems(std::vector<zmq::pollitem_t>& items) const {
  if (files_) items.push_back({nullptr, files_->fd(), ZMQ_POLLIN, 0});
  if (system_) items.push_back({nullptr, system_->fd(), ZMQ_POLLIN, 0});
}

void ChangeWatch::collect(const zmq::pollitem_t* items, Clock::time_point now) {
  if (files_) {
    if (items->revents & ZMQ_POLLIN) {
      for (std::size_t index : files_->takeChanged()) hold(meaning_[index], now);
      fallBackIfIncomplete(now);  // a directory made since may not be watchable
    }
    ++items;
  }
  if (system_ && (items->revents & ZMQ_POLLIN) && system_->takeChanged()) {
    hold({.facts = true}, now);
  }
}

bool ChangeWatch::checkOnTimer(Clock::time_point now) {
  if (nextTimedCheck_ != Clock::time_point::max()) return false;
  nextTimedCheck_ = now + kTimedCheckEvery;
  return true;
}

void ChangeWatch::fallBackIfIncomplete(Clock::time_point now) {
  if (files_->problem().empty() || !checkOnTimer(now)) return;
  logger()->warn("node={} {}: reading facts and the CRL every {} s instead", identity_,
                 files_->problem(), kTimedCheckEvery.count());
}

void ChangeWatch::hold(Changes changes, Clock::time_point now) {
  if (!pending_.any()) pendingDue_ = now + kSettle;
  pending_.facts = pending_.facts || changes.facts;
  pending_.crl = pending_.crl || changes.crl;
  pending_.policies = pending_.policies || changes.policies;
}

ChangeWatch::Clock::time_point ChangeWatch::due() const {
  return std::min(pendingDue_, nextTimedCheck_);
}

ChangeWatch::Changes ChangeWatch::take(Clock::time_point now) {
  Changes changes;
  if (now >= pendingDue_) {
    changes = pending_;
    pending_ = {};
    pendingDue_ = Clock::time_point::max();
  }
  if (now >= nextTimedCheck_) {
    changes.facts = changes.crl = true;
    nextTimedCheck_ = now + kTimedCheckEvery;
  }
  return changes;
}

}  // namespace drover::node
