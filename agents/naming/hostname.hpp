#pragma once
// The node's hostname: the file under its root, and the kernel's (UTS namespace).
#include <filesystem>
#include <string>

namespace drover::agents::naming {

/// The kernel's hostname (gethostname), or "" when it cannot be read.
std::string currentHostname();

/// Writes `hostname` and a newline to `file` atomically (mode 0644), creating its
/// directory. Throws std::runtime_error naming the file.
void writeHostnameFile(const std::filesystem::path& file, const std::string& hostname);

/// sethostname(2). Throws std::runtime_error with the system's reason (EPERM without
/// CAP_SYS_ADMIN in the node's UTS namespace).
void setKernelHostname(const std::string& hostname);

/// The hostname of an unnamed node: the first label of its identity.
std::string firstLabel(const std::string& identity);

}  // namespace drover::agents::naming
