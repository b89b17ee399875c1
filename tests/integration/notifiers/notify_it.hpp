#pragma once
// What the notify integration tests share: a Dispatcher built from YAML, as the
// provisioner builds it, and placeholders filled into that YAML.
#include <map>
#include <memory>
#include <string>

#include "notifiers/config.hpp"
#include "notifiers/dispatcher.hpp"
#include "tests/unit/notifiers/notify_test_util.hpp"

namespace drover::notifiers::testing {

/// `yaml` with each "${KEY}" replaced by its value.
inline std::string fill(std::string yaml, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const std::string mark = "${" + key + "}";
    for (auto at = yaml.find(mark); at != std::string::npos; at = yaml.find(mark, at)) {
      yaml.replace(at, mark.size(), value);
    }
  }
  return yaml;
}

inline std::unique_ptr<Dispatcher> dispatcherFrom(const std::string& yaml) {
  return std::make_unique<Dispatcher>(loadText(yaml, "notify-it.yaml"));
}

/// A burst as an autoscaling group makes it: 98 provisioned, then 2 failed.
inline void publishBurst(Dispatcher& dispatcher) {
  for (int i = 0; i < 98; ++i) {
    dispatcher.publish(makeEvent(EventKind::Provisioned, "web" + std::to_string(i)));
  }
  dispatcher.publish(makeEvent(EventKind::Failed, "db1"));
  dispatcher.publish(makeEvent(EventKind::Failed, "db2"));
}

inline const char* kBurstSummary =
    "98 nodes provisioned in eu-west-1 in the last 60 s, 2 failed: "
    "db1 (sign_certificate: puppetca sign timed out after 30 s), "
    "db2 (sign_certificate: puppetca sign timed out after 30 s)";

inline const char* kProvisionedText = "web1 provisioned via puppet-eu1.example.com in 4 min 12 s";
inline const char* kFailedText =
    "web7 failed to provision: step sign_certificate failed (attempt 3): puppetca sign timed out "
    "after 30 s";

inline std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace drover::notifiers::testing
