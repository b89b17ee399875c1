#include "agents/puppetca/ca_listing.hpp"

#include <stdexcept>

namespace drover::agents::puppetca {
namespace {

std::string stringField(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

CertEntry entryFrom(const Json& object, const std::string& group) {
  if (!object.is_object()) throw std::runtime_error("an entry of '" + group + "' is not an object");
  CertEntry entry;
  entry.name = stringField(object, "name");
  if (entry.name.empty()) throw std::runtime_error("an entry of '" + group + "' has no name");
  entry.state = stringField(object, "state");
  if (entry.state.empty()) entry.state = group;
  entry.fingerprint = stringField(object, "fingerprint");
  if (entry.fingerprint.empty() && object.contains("fingerprints")) {
    entry.fingerprint = stringField(object["fingerprints"], "SHA256");
  }
  entry.notAfter = stringField(object, "not_after");
  if (auto it = object.find("dns_alt_names"); it != object.end() && it->is_array()) {
    for (const auto& name : *it) {
      if (name.is_string()) entry.dnsAltNames.push_back(name.get<std::string>());
    }
  }
  return entry;
}

std::vector<CertEntry> group(const Json& doc, const char* key) {
  std::vector<CertEntry> entries;
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return entries;
  if (!it->is_array()) throw std::runtime_error(std::string("'") + key + "' is not a list");
  for (const auto& object : *it) entries.push_back(entryFrom(object, key));
  return entries;
}

}  // namespace

const CertEntry* CaListing::find(const std::string& certname) const {
  for (const auto* list : {&requested, &signedCerts, &revoked}) {
    for (const auto& entry : *list) {
      if (entry.name == certname) return &entry;
    }
  }
  return nullptr;
}

std::string CaListing::stateOf(const std::string& certname) const {
  const CertEntry* entry = find(certname);
  return entry ? entry->state : "missing";
}

CaListing parseCaListing(std::string_view json) {
  Json doc = Json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw std::runtime_error("not the JSON object of `puppetserver ca list --format json`");
  }
  CaListing listing;
  listing.requested = group(doc, "requested");
  listing.signedCerts = group(doc, "signed");
  listing.revoked = group(doc, "revoked");
  if (auto it = doc.find("missing"); it != doc.end() && it->is_array()) {
    for (const auto& name : *it) {
      if (name.is_string()) listing.missing.push_back(name.get<std::string>());
    }
  }
  return listing;
}

Json toJson(const CertEntry& entry) {
  return {{"name", entry.name},
          {"fingerprint", entry.fingerprint},
          {"dns_alt_names", entry.dnsAltNames}};
}

}  // namespace drover::agents::puppetca
