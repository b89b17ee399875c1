#pragma once
// Daemon signal handling without async handlers: the daemon's signals are blocked in
// the calling thread before any other thread exists, so every thread inherits the
// mask and only the poll loop sees them, through a signalfd.
#include <initializer_list>

namespace drover::util {

/// Blocks `signals` in the calling thread and returns a non-blocking, close-on-exec
/// signalfd that reports them. Call before starting threads. Throws std::system_error.
int blockedSignalFd(std::initializer_list<int> signals);

}  // namespace drover::util
