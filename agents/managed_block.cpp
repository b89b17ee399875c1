#include "agents/managed_block.hpp"

#include <stdexcept>
#include <vector>

#include "agents/provision/hosts_file.hpp"

namespace drover::agents {
namespace {

using provision::splitKeepingEnds;
using provision::stripEnd;

bool opens(std::string_view line, const BlockMarkers& m) {
  return stripEnd(line).starts_with(m.begin);
}
bool closes(std::string_view line, const BlockMarkers& m) {
  return stripEnd(line).starts_with(m.end);
}

std::string unclosed(std::size_t line, const BlockMarkers& m) {
  return "line " + std::to_string(line) + " opens the " + std::string(m.what) + " ('" +
         std::string(m.begin) + "') and no '" + std::string(m.end) +
         "' line closes it; fix the file by hand";
}

}  // namespace

std::string renderManagedBlock(const BlockMarkers& markers, std::int64_t version,
                               std::string_view body) {
  std::string out = std::string(markers.begin) + " (managed: do not edit, version " +
                    std::to_string(version) + ")\n";
  out += body;
  if (!body.empty() && body.back() != '\n') out += '\n';
  return out + std::string(markers.end) + "\n";
}

std::string withManagedBlock(std::string_view content, std::string_view block,
                             const BlockMarkers& markers,
                             const std::function<bool(std::string_view)>& keep) {
  std::vector<std::string_view> lines = splitKeepingEnds(content);
  std::string out;
  out.reserve(content.size() + block.size() + 1);
  bool placed = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!opens(lines[i], markers)) {
      out += lines[i];
      continue;
    }
    std::size_t end = i + 1;
    while (end < lines.size() && !closes(lines[end], markers)) ++end;
    if (end == lines.size()) throw std::runtime_error(unclosed(i + 1, markers));
    for (std::size_t j = i + 1; j < end; ++j) {
      if (keep && keep(lines[j])) out += lines[j];
    }
    if (!placed) out += block;
    placed = true;
    i = end;
  }
  if (!placed) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += block;
  }
  return out;
}

bool isMarkerLine(std::string_view line, const BlockMarkers& markers) {
  return opens(line, markers) || closes(line, markers);
}

}  // namespace drover::agents
