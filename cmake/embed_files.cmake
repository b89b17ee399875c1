# Run at build time (cmake -P): writes OUTPUT, a C++ source holding each of FILES (a
# ;-list of paths) as bytes, with its name and media type, for web/assets.hpp's
# findAsset(). The files stay ordinary files in the tree, edited as such.
# In: OUTPUT, FILES.
set(entries "")
set(arrays "")
set(index 0)
foreach(path IN LISTS FILES)
  get_filename_component(name "${path}" NAME)
  get_filename_component(ext "${path}" LAST_EXT)
  if(ext STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL ".js")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  else()
    message(FATAL_ERROR "embed_files: no media type for ${path}")
  endif()
  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" digits)
  math(EXPR size "${digits} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays "const unsigned char kFile${index}[] = {${bytes}0x00};\n")
  string(APPEND entries
         "    {\"${name}\", \"${type}\", {reinterpret_cast<const char*>(kFile${index}), ${size}}},\n")
  math(EXPR index "${index} + 1")
endforeach()
set(text "// Written by cmake/embed_files.cmake at build time; not in the source tree.
#include \"provisioner/web/assets.hpp\"

#include <array>

namespace drover::provisioner::web {
namespace {
${arrays}
const std::array<Asset, ${index}> kAssets{{
${entries}}};
}  // namespace

const Asset* findAsset(std::string_view name) {
  for (const Asset& asset : kAssets) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

}  // namespace drover::provisioner::web
")
# Rewritten only when the text changed, so nothing depending on it rebuilds for nothing.
file(CONFIGURE OUTPUT "${OUTPUT}" CONTENT "${text}" @ONLY)
