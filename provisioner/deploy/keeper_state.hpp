#pragma once
// What the keeper holds of one deployment, and the small conversions its parts share
// (inside provisioner/deploy only).
#include <cstdint>
#include <string>

#include "core/deploy/deployment.hpp"
#include "core/deploy/plan.hpp"
#include "core/util/blob_store.hpp"
#include "core/util/json.hpp"
#include "provisioner/deploy/deployment_keeper.hpp"

namespace drover::provisioner {

struct DeploymentKeeper::Deployment {
  std::string name;
  // Persisted: {file, text, blobs, files, created_ms, by, down} and the versions.
  Json doc = Json::object();
  ::drover::deploy::Deployment spec;
  bool loaded = false;  // spec holds the parsed file
  bool down = false;
  std::int64_t version = 0;       // of anything status shows
  std::int64_t factsVersion = 0;  // of `facts`
  std::int64_t trustVersion = 0;  // of `trust`
  Json facts = Json::object();    // the cluster facts of factsVersion
  Json trust = Json::object();    // cluster#set_trust's arguments but the version
  std::int64_t pushedFacts = 0;   // the versions the last pushes carried
  std::int64_t pushedTrust = 0;
};

/// The stored deployment's file, parsed with what was uploaded for it. Throws
/// deploy::DeploymentError (a bundle no longer held is one of its problems).
::drover::deploy::Deployment parseStored(const Json& doc, const util::BlobStore& blobs);

/// The engine's JSON of a node (Engine::node) as the record engineChanged() reads.
NodeRecord nodeRecordFrom(const Json& json, const std::string& identity);

/// What the resume plan needs of a member.
::drover::deploy::SlotRecord slotRecord(const DeploymentMember& member);

}  // namespace drover::provisioner
