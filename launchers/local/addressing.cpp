#include "launchers/local/addressing.hpp"

#include <arpa/inet.h>

#include <cstdio>

#include "launchers/launcher.hpp"

namespace drover::launchers {
namespace {

std::optional<std::uint32_t> parseAddress(const std::string& text) {
  in_addr address{};
  if (::inet_pton(AF_INET, text.c_str(), &address) != 1) return std::nullopt;
  return ntohl(address.s_addr);
}

std::uint32_t hostMask(int prefix) { return (std::uint32_t{1} << (32 - prefix)) - 1; }

std::uint32_t fnv1a(const std::string& text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) hash = (hash ^ c) * 16777619u;
  return hash;
}

}  // namespace

Subnet Subnet::parse(const std::string& cidr) {
  const std::string bad = "launcher.subnet: '" + cidr + "' ";
  auto slash = cidr.find('/');
  auto network = parseAddress(cidr.substr(0, slash));
  if (slash == std::string::npos || !network)
    throw LaunchError(bad + "is not an IPv4 CIDR (10.213.0.0/24)");
  const std::string bits = cidr.substr(slash + 1);
  if (bits.empty() || bits.size() > 2 ||
      bits.find_first_not_of("0123456789") != std::string::npos) {
    throw LaunchError(bad + "has no prefix length");
  }
  Subnet subnet;
  subnet.prefix_ = std::stoi(bits);
  if (subnet.prefix_ < 8 || subnet.prefix_ > 30)
    throw LaunchError(bad + "needs a prefix from /8 to /30");
  if ((*network & hostMask(subnet.prefix_)) != 0) {
    throw LaunchError(bad + "has host bits set (the network address is " +
                      format(*network & ~hostMask(subnet.prefix_)) + ")");
  }
  subnet.network_ = *network;
  return subnet;
}

std::string Subnet::format(std::uint32_t address) {
  char text[INET_ADDRSTRLEN];
  std::snprintf(text, sizeof text, "%u.%u.%u.%u", address >> 24, (address >> 16) & 255,
                (address >> 8) & 255, address & 255);
  return text;
}

bool Subnet::contains(const std::string& address) const {
  auto parsed = parseAddress(address);
  return parsed && (*parsed & ~hostMask(prefix_)) == network_;
}

std::optional<std::string> Subnet::lowestFree(const std::set<std::string>& used) const {
  const std::uint32_t broadcast = network_ | hostMask(prefix_);
  for (std::uint32_t address = network_ + 2; address < broadcast; ++address) {
    if (used.count(format(address)) == 0) return format(address);
  }
  return std::nullopt;
}

bool isValidLinkName(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  return name.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
         std::string::npos;
}

bool isValidMemberName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-') return false;
  return name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") == std::string::npos;
}

MemberLinks MemberLinks::of(const std::string& bridge, const std::string& identity) {
  char tag[16];
  std::snprintf(tag, sizeof tag, "dv%08x", fnv1a(bridge + "/" + identity));
  return {bridge + "-" + identity, std::string(tag) + "h", std::string(tag) + "m"};
}

}  // namespace drover::launchers
