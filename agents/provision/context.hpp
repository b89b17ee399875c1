#pragma once
// What every provision action handler gets: the node's settings (paths resolved under
// its root), its provisioning state, its claim and Puppet's settings. One context per
// agent, shared by concurrent workers: each member is thread safe.
#include <filesystem>
#include <mutex>
#include <string>

#include "agents/agent.hpp"
#include "agents/provision/claim.hpp"
#include "agents/provision/state_store.hpp"
#include "agents/provision/turn_queue.hpp"
#include "agents/puppet/puppet_command.hpp"

namespace drover::agents::provision {

struct ProvisionSettings {
  std::filesystem::path root = "/";
  std::filesystem::path hostsFile = "/etc/hosts";  // as configured; resolved under root
  puppet::PuppetInvocation puppet;                 // confdir already resolved under root
  std::string identity;                            // the certname unless told otherwise
  // First-boot enrolment (enrol.cpp): absolute paths, as security.* in server.yaml.
  std::filesystem::path keyFile;       // the node's message-signing key
  std::filesystem::path certFile;      // and its certificate
  std::filesystem::path tokenFile;     // the image's provisioning token
  EnrolmentHost* enrolment = nullptr;  // null when security is off
};

/// `path` inside `root`: /etc/hosts under /srv/node1 is /srv/node1/etc/hosts.
std::filesystem::path underRoot(const std::filesystem::path& root,
                                const std::filesystem::path& path);

class ProvisionContext {
 public:
  ProvisionContext(ProvisionSettings settings, ClaimBook::Clock clock);

  const ProvisionSettings& settings() const { return settings_; }
  std::filesystem::path hostsFile() const { return underRoot(settings_.root, settings_.hostsFile); }
  StateStore& state() { return state_; }
  ClaimBook& claims() { return claims_; }
  puppet::PuppetSettings& puppet() { return puppet_; }
  std::int64_t nowMs() const { return clock_(); }
  /// Serializes enrol and install_certificate, which share the key file.
  std::mutex& enrolmentMutex() { return enrolmentMutex_; }
  /// Takes Puppet's ssldir for one action (request_certificate, certificate_status,
  /// run_puppet, apply: ProvisionAgent takes it before their handlers run), in the
  /// order the actions asked for it, waiting at most until the request's deadline. A
  /// call repeated after a provisioner restart must not wipe the key an earlier, still
  /// running call is submitting, and a certificate_status asked after a request must
  /// report the key that request left. Throws ActionError (Aborted) when the wait runs
  /// out.
  TurnQueue::Turn lockSsl(const Request& request);
  /// Actions holding or waiting for the ssldir now.
  std::size_t ssldirLine() const { return sslQueue_.length(); }

  /// The certname an action works on: its `certname` input, else the one recorded by
  /// request_certificate, else the node's identity.
  std::string certname(const Request& request);

 private:
  ProvisionSettings settings_;
  ClaimBook::Clock clock_;
  StateStore state_;
  ClaimBook claims_;
  puppet::PuppetSettings puppet_;
  std::mutex enrolmentMutex_;
  TurnQueue sslQueue_;
};

}  // namespace drover::agents::provision
