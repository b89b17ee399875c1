#include "agents/provision/hosts_file.hpp"

#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/util/files.hpp"

namespace drover::agents::provision {

std::vector<std::string_view> splitKeepingEnds(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(pos, next - pos));
    pos = next;
  }
  return lines;
}

std::string_view stripEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' ||
                           line.back() == '\t')) {
    line.remove_suffix(1);
  }
  return line;
}

namespace {

namespace fs = std::filesystem;

bool isManaged(std::string_view line) {
  line = stripEnd(line);
  return line.size() >= kHostsMarker.size() &&
         line.substr(line.size() - kHostsMarker.size()) == kHostsMarker;
}

// True when the line, before any comment, maps some address to `name`.
bool mapsName(std::string_view line, std::string_view name) {
  line = line.substr(0, line.find('#'));
  std::istringstream words{std::string(line)};
  std::string word;
  if (!(words >> word)) return false;  // blank or comment-only
  while (words >> word) {
    if (word == name) return true;
  }
  return false;
}

}  // namespace

HostsEdit withManagedEntry(std::string_view content, std::string_view name,
                           std::string_view address) {
  std::string entry =
      std::string(address) + " " + std::string(name) + " " + std::string(kHostsMarker) + "\n";
  std::vector<std::string> kept;
  std::optional<std::size_t> managedAt;
  std::optional<std::size_t> foreignAt;
  for (std::string_view line : splitKeepingEnds(content)) {
    if (isManaged(line)) {
      if (!managedAt) managedAt = kept.size();
      continue;
    }
    if (!foreignAt && mapsName(line, name)) foreignAt = kept.size();
    kept.emplace_back(line);
  }
  // A last line without a newline gets one, or the entry would be glued onto it.
  if (!kept.empty() && kept.back().back() != '\n') kept.back() += '\n';
  std::size_t at = kept.size();
  if (managedAt) at = *managedAt;
  if (foreignAt && *foreignAt < at) at = *foreignAt;
  kept.insert(kept.begin() + static_cast<std::ptrdiff_t>(at), entry);

  HostsEdit edit;
  for (const auto& line : kept) edit.content += line;
  edit.changed = edit.content != content;
  return edit;
}

std::mutex& hostsFileMutex() {
  static std::mutex mutex;
  return mutex;
}

bool setManagedEntry(const fs::path& file, std::string_view name, std::string_view address) {
  std::lock_guard lock(hostsFileMutex());
  std::error_code ec;
  std::string before;
  unsigned mode = 0644;
  if (fs::exists(file, ec)) {
    before = util::readFile(file);
    mode = static_cast<unsigned>(fs::status(file).permissions() & fs::perms::mask);
  } else if (file.has_parent_path()) {
    fs::create_directories(file.parent_path(), ec);
    if (ec) {
      throw std::runtime_error("cannot create " + file.parent_path().string() + ": " +
                               ec.message());
    }
  }
  HostsEdit edit = withManagedEntry(before, name, address);
  if (edit.changed) util::writeFileAtomically(file, edit.content, mode);
  return edit.changed;
}

}  // namespace drover::agents::provision
