#include "bench/flood/request_sealer.hpp"

#include <algorithm>
#include <stdexcept>

#include <msgpack.hpp>

namespace drover::bench::flood {
namespace {

// The keys commit 49e9e45 added to every envelope.
const std::vector<std::string_view> kKeysSinceTargets{"targets", "request_digest"};

bool isOneOf(const msgpack::object& key, const std::vector<std::string_view>& keys) {
  if (key.type != msgpack::type::STR) return false;
  std::string_view text(key.via.str.ptr, key.via.str.size);
  return std::find(keys.begin(), keys.end(), text) != keys.end();
}

}  // namespace

std::optional<Layout> parseLayout(std::string_view name) {
  if (name == "current") return Layout::Current;
  if (name == "before-targets") return Layout::BeforeTargets;
  return std::nullopt;
}

std::string_view toString(Layout layout) {
  return layout == Layout::Current ? "current" : "before-targets";
}

RequestSealer::RequestSealer(std::shared_ptr<const security::Signer> signer, Layout layout)
    : signer_(std::move(signer)), layout_(layout) {}

std::string RequestSealer::seal(envelope::Envelope request) const {
  if (layout_ == Layout::Current) {
    security::signEnvelope(request, *signer_);
    return envelope::encode(request);
  }
  request.targets.clear();
  request.requestDigest.clear();
  request.sender = signer_->name();
  request.cert = signer_->certificateDer();
  request.sig = signer_->sign(withoutKeys(envelope::signingBytes(request), kKeysSinceTargets));
  return withoutKeys(envelope::encode(request), kKeysSinceTargets);
}

std::string withoutKeys(std::string_view map, const std::vector<std::string_view>& keys) {
  msgpack::object_handle handle;
  std::size_t offset = 0;
  try {
    msgpack::unpack(handle, map.data(), map.size(), offset);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("not msgpack: ") + e.what());
  }
  const msgpack::object& root = handle.get();
  if (root.type != msgpack::type::MAP || offset != map.size()) {
    throw std::invalid_argument("not exactly one msgpack map");
  }
  std::vector<const msgpack::object_kv*> kept;
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    if (!isOneOf(root.via.map.ptr[i].key, keys)) kept.push_back(&root.via.map.ptr[i]);
  }
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(static_cast<std::uint32_t>(kept.size()));
  for (const auto* entry : kept) {
    packer.pack(entry->key);
    packer.pack(entry->val);
  }
  return std::string(buffer.data(), buffer.size());
}

}  // namespace drover::bench::flood
