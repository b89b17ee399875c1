#include "notifiers/log_notifier.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include "core/util/clock.hpp"
#include "notifiers/text.hpp"

namespace drover::notifiers {

LogNotifier::LogNotifier(const ChannelOptions& options, LogSettings settings)
    : Notifier(options.name, "log"), settings_(std::move(settings)) {}

void LogNotifier::send(const Message& message) {
  Json record = message.document;
  record["logged_at"] = rfc3339(util::nowMs());
  record["id"] = message.id;
  // One write() of the whole line with O_APPEND keeps lines whole when several
  // processes share the file.
  std::string line = record.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  // An empty path is stdout (the provisioner's events when no file is configured).
  bool toStdout = settings_.path.empty();
  std::string where = toStdout ? "stdout" : settings_.path.string();
  int fd = toStdout
               ? STDOUT_FILENO
               : ::open(settings_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot open " + where + ": " + std::strerror(errno));
  ssize_t written = ::write(fd, line.data(), line.size());
  int writeErrno = errno;
  if (!toStdout) ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error("cannot append to " + where + ": " +
                             (written < 0 ? std::strerror(writeErrno) : "short write"));
  }
}

}  // namespace drover::notifiers
