#include "core/facts/network.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>

namespace drover::facts {
namespace {

using IfAddrs = std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)>;

std::string ipv4Text(const sockaddr* address) {
  char text[INET_ADDRSTRLEN] = {};
  const auto* in = reinterpret_cast<const sockaddr_in*>(address);
  return ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr ? text : "";
}

std::string ipv6Text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  const auto* in = reinterpret_cast<const sockaddr_in6*>(address);
  return ::inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof text) != nullptr ? text : "";
}

bool isLinkLocal(const sockaddr* address) {
  const auto* in = reinterpret_cast<const sockaddr_in6*>(address);
  return IN6_IS_ADDR_LINKLOCAL(&in->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&in->sin6_addr);
}

// Hardware address of an AF_PACKET entry, or "" when it has none worth reporting.
std::string macText(const sockaddr* address) {
  const auto* link = reinterpret_cast<const sockaddr_ll*>(address);
  if (link->sll_halen != 6) return "";
  bool zero = true;
  std::string text;
  for (int i = 0; i < 6; ++i) {
    char byte[4];
    std::snprintf(byte, sizeof byte, i == 0 ? "%02x" : ":%02x", link->sll_addr[i]);
    text += byte;
    zero = zero && link->sll_addr[i] == 0;
  }
  return zero ? "" : text;
}

Json& interfaceEntry(Json& interfaces, const char* name) {
  Json& entry = interfaces[name];
  if (entry.is_null()) entry = Json{{"ipv4", Json::array()}, {"ipv6", Json::array()}};
  return entry;
}

void addAddress(Json& facts, const ifaddrs& ifa) {
  Json& entry = interfaceEntry(facts["interfaces"], ifa.ifa_name);
  bool loopback = (ifa.ifa_flags & IFF_LOOPBACK) != 0;
  int family = ifa.ifa_addr->sa_family;
  if (family == AF_INET) {
    std::string text = ipv4Text(ifa.ifa_addr);
    entry["ipv4"].push_back(text);
    if (!loopback && !facts.contains("ipaddress")) facts["ipaddress"] = text;
  } else if (family == AF_INET6) {
    std::string text = ipv6Text(ifa.ifa_addr);
    entry["ipv6"].push_back(text);
    if (!loopback && !isLinkLocal(ifa.ifa_addr) && !facts.contains("ipaddress6"))
      facts["ipaddress6"] = text;
  } else if (family == AF_PACKET) {
    if (auto mac = macText(ifa.ifa_addr); !mac.empty()) entry["mac"] = mac;
  }
}

}  // namespace

void resolveNetwork(Json& facts) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    throw std::runtime_error(std::string("getifaddrs: ") + std::strerror(errno));
  }
  IfAddrs guard(list, ::freeifaddrs);
  facts["interfaces"] = Json::object();
  for (const ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr != nullptr && ifa->ifa_name != nullptr) addAddress(facts, *ifa);
  }
}

}  // namespace drover::facts
