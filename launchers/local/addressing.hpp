#pragma once
// The local launcher's names and addresses: an IPv4 subnet whose first host address is
// the bridge's and whose others go to members, lowest free first; and the names of each
// member's network namespace and veth pair, which must be unique on the machine and
// (for links) at most 15 characters.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace drover::launchers {

class Subnet {
 public:
  /// "10.213.0.0/24"; prefix 8..30, no host bits set. Throws LaunchError naming the text.
  static Subnet parse(const std::string& cidr);

  int prefix() const { return prefix_; }
  /// The bridge's address: the first host address (.1 of a /24).
  std::string gateway() const { return format(network_ + 1); }
  /// The lowest host address after the gateway that is not in `used` and not the
  /// broadcast address; nullopt when every one is taken.
  std::optional<std::string> lowestFree(const std::set<std::string>& used) const;
  bool contains(const std::string& address) const;

 private:
  static std::string format(std::uint32_t address);

  std::uint32_t network_ = 0;
  int prefix_ = 0;
};

/// A link name the kernel accepts: 1..15 characters of [A-Za-z0-9_.-].
bool isValidLinkName(const std::string& name);
/// An identity or deployment usable in file and namespace names: [a-z0-9._-], not
/// starting with '.' or '-', at most 64 characters.
bool isValidMemberName(const std::string& name);

/// Names of one member's network objects, derived from the bridge and the identity so
/// that two launchers with different bridges never collide.
struct MemberLinks {
  std::string netns;     // <bridge>-<identity>: the file under /run/netns
  std::string hostVeth;  // dv<8 hex>h, on the bridge
  std::string peerVeth;  // dv<8 hex>m, moved into the namespace and renamed eth0
  static MemberLinks of(const std::string& bridge, const std::string& identity);
};

}  // namespace drover::launchers
