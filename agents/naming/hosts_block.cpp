#include "agents/naming/hosts_block.hpp"

#include <arpa/inet.h>

#include "agents/managed_block.hpp"
#include "agents/provision/hosts_file.hpp"
#include "core/naming/names.hpp"

namespace drover::agents::naming {
namespace {

using provision::stripEnd;

constexpr BlockMarkers kMarkers{kBlockBegin, kBlockEnd, "names block"};

bool isProvisionEntry(std::string_view line) {
  return stripEnd(line).ends_with(provision::kHostsMarker);
}

bool validAddress(const std::string& text) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

std::string quoted(const Json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.size() > 80) text = text.substr(0, 80) + "...";
  return "'" + text + "'";
}

std::vector<std::string> namesFrom(const Json& names, const std::string& where) {
  if (!names.is_array() || names.empty() || names.size() > kMaxNamesPerEntry) {
    throw BadEntries(where + ": expected a list of 1 to " + std::to_string(kMaxNamesPerEntry) +
                     " host names");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string why = names[i].is_string()
                          ? ::drover::naming::checkHostName(names[i].get<std::string>())
                          : quoted(names[i]) + " is not a string";
    if (!why.empty()) throw BadEntries(where + "[" + std::to_string(i) + "]: " + why);
    out.push_back(names[i].get<std::string>());
  }
  return out;
}

HostsEntry entryFrom(const Json& entry, const std::string& where) {
  if (!entry.is_object()) throw BadEntries(where + ": expected an object {address, names}");
  Json address = entry.value("address", Json());
  if (!address.is_string() || !validAddress(address.get<std::string>())) {
    throw BadEntries(where + ".address: " + quoted(address) + " is not an IPv4 or IPv6 address");
  }
  return {address.get<std::string>(), namesFrom(entry.value("names", Json()), where + ".names")};
}

}  // namespace

std::vector<HostsEntry> entriesFrom(const Json& entries) {
  if (!entries.is_array()) throw BadEntries("entries: expected a list");
  if (entries.size() > kMaxEntries) {
    throw BadEntries("entries: " + std::to_string(entries.size()) + " entries, at most " +
                     std::to_string(kMaxEntries));
  }
  std::vector<HostsEntry> out;
  out.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    out.push_back(entryFrom(entries[i], "entries[" + std::to_string(i) + "]"));
  }
  return out;
}

std::string renderBlock(std::int64_t version, std::string_view domain, std::string_view legacy,
                        const std::vector<HostsEntry>& entries) {
  std::string out(legacy);
  if (!legacy.empty() && legacy.back() != '\n') out += '\n';
  for (const auto& entry : entries) {
    out += entry.address;
    const std::string& first = entry.names.front();
    if (!domain.empty() && !first.ends_with("." + std::string(domain))) {
      out += ' ' + first + '.' + std::string(domain);
    }
    for (const auto& name : entry.names) out += ' ' + name;
    out += '\n';
  }
  return renderManagedBlock(kMarkers, version, out);
}

std::string withBlock(std::string_view content, std::string_view block) {
  return withManagedBlock(content, block, kMarkers, isProvisionEntry);
}

bool isMarkerLine(std::string_view line) { return agents::isMarkerLine(line, kMarkers); }

}  // namespace drover::agents::naming
