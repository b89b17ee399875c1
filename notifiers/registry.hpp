#pragma once
// The one list of notifier types: a NotifierConfig in, the channel's Notifier out.
#include <memory>

#include "notifiers/config.hpp"
#include "notifiers/notifier.hpp"

namespace drover::notifiers {

/// The notifier `config` describes (not started). Throws std::runtime_error if it cannot
/// be built.
std::unique_ptr<Notifier> makeNotifier(const NotifierConfig& config);

}  // namespace drover::notifiers
