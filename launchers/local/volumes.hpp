#pragma once
// A local member's extra volumes. The launcher makes what outlives the member's mount
// namespace on the machine (image files, missing mount points); drover-member mounts
// them inside the member's namespace only: tmpfs with size=, images loop-mounted.
#include <string>
#include <vector>

#include "launchers/launcher.hpp"
#include "launchers/local/member_state.hpp"

namespace drover::launchers {

/// Throws LaunchError naming the member and the volume when its mount is not an
/// absolute path, holds "..", is a system path (/, /etc, /etc/drover, /etc/ssh, /root,
/// /run, /usr, /var, or under /proc, /sys, /dev, /run/netns), its kind is not tmpfs or
/// image, or its size is 0.
void checkVolumes(const MemberLaunch& member);

/// Makes each image file (dir/volumes/N.img, formatted with mkfs.ext4 -q) and each missing
/// mount point, recording created directories in `state` as it goes. Returns the
/// drover-member arguments: "--volume tmpfs SIZE MOUNT" / "--volume image FILE MOUNT".
/// Throws LaunchError naming the volume.
std::vector<std::string> prepareVolumes(const std::vector<Volume>& volumes, MemberState& state);

/// Removes the mount points `state` created, deepest first, where they are still empty.
/// One at or above another member's mount is handed over to the first such member (added
/// to its createdDirs and its state written), which removes it when it goes in turn.
void removeCreatedDirs(const MemberState& state, std::vector<MemberState>& others);

}  // namespace drover::launchers
