#pragma once
// The live page's files (provisioner/web/assets/), built into the program by
// cmake/embed_files.cmake: the provisioner serves them with nothing installed beside it.
#include <string_view>

namespace drover::provisioner::web {

struct Asset {
  std::string_view name;  // file name: page.html, live.js, live.css
  std::string_view type;  // media type
  std::string_view body;
};

/// The file called `name`; nullptr when there is none.
const Asset* findAsset(std::string_view name);

}  // namespace drover::provisioner::web
