#pragma once
// cluster: the node side of a deployment (provisioner/README.md, "Deployments";
// contract: ddl/cluster.json). The provisioner drives it over the bus:
//   ssh_keys     makes the root key and the ed25519 host key (ssh-keygen, no shell) and
//                answers their public halves; private keys never leave the node;
//   set_trust    the deployment's managed blocks of root's authorized_keys and
//                ssh_known_hosts;
//   set_facts    /etc/drover/cluster_facts.json, replaced atomically;
//   put_chunk    a bundle, content-addressed, in chunks (core/util/blob_store.hpp);
//   run_stage    unpacks a bundle into <state_dir>/stage-N and runs its bootstrap.sh,
//                recording digest, exit code, duration and output tail (stage_runner.hpp);
//   stages       the records;
//   write_file   a config file with its owner, group and mode, replaced atomically.
// Every path is under the node's root. The record (<state_dir>/cluster.json: the
// versions of trust and facts, the stage records) is replaced atomically on every change,
// after the files it describes, so a crash in between re-applies, never skips.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

#include "agents/agent.hpp"
#include "agents/cluster/cluster_config.hpp"
#include "agents/cluster/stage_runner.hpp"
#include "agents/provision/state_store.hpp"
#include "core/util/blob_store.hpp"

namespace drover::agents::cluster {

struct ClusterSettings {
  std::filesystem::path root = "/";
  ClusterConfig config;
};

class ClusterAgent : public Agent {
 public:
  /// Reads the record. `node`, when given, is asked for a registration whenever what
  /// registrationData() says changes. Throws RegistrationError if `ddl` and the actions
  /// differ, std::runtime_error naming the record file when it cannot be read.
  ClusterAgent(ddl::Ddl ddl, ClusterSettings settings, NodeInfo* node = nullptr);

  /// {facts_version, trust_version, stages: how many are recorded}: data.cluster.
  Json registrationData() const override;

  /// `path` (absolute, as the node sees it) under the node's root.
  std::filesystem::path underRoot(const std::filesystem::path& path) const;
  std::filesystem::path stateDir() const;
  std::filesystem::path factsFile() const { return underRoot("/etc/drover/cluster_facts.json"); }

 private:
  static ActionTable actions(ClusterAgent* self);
  Reply sshKeys(const Request& request);
  Reply setTrust(const Request& request);
  Reply setFacts(const Request& request);
  Reply putChunk(const Request& request);
  Reply runStage(const Request& request);
  Reply stages(const Request& request) const;
  Reply writeFile(const Request& request);

  std::string publicKey(const std::filesystem::path& privateKey, const std::string& comment);
  bool writeTrustBlock(const std::filesystem::path& file, std::int64_t version,
                       const std::string& body, unsigned mode) const;
  StageRun stageRun(const Request& request) const;
  Json runRecorded(const StageRun& run, const std::filesystem::path& bundle);
  Json recordedStage(std::int64_t stage, const std::string& digest) const;
  void sweepBundles();
  void remember(const std::function<void(Json&)>& change);

  ClusterSettings settings_;
  NodeInfo* node_;
  provision::StateStore state_;
  util::BlobStore blobs_;
  std::mutex keysMutex_;   // ssh_keys: one key generation at a time
  std::mutex trustMutex_;  // set_trust: version check and write together
  std::mutex factsMutex_;  // set_facts: likewise
  std::mutex stageMutex_;  // run_stage: one stage at a time, in arrival order
  mutable std::mutex summaryMutex_;
  Json summary_;  // registrationData(), kept current by remember()
};

}  // namespace drover::agents::cluster
