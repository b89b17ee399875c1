#pragma once
// Two replacements for parts of gloox 1.0.24 (Debian 12, GnuTLS) that a daemon cannot
// live with. Both lean on gloox's protected members; re-test them on a gloox upgrade.
//
// GuardedTls: with the GnuTLS backend a failed handshake frees the session twice and
// aborts the process, Client::setCACerts() is ignored, and every disconnect drops the CA
// list. This wrapper owns the real TLSDefault, applies the CA list again after each
// cleanup, and after a failed handshake abandons (leaks) the broken object instead of
// letting gloox free it a second time.
//
// TimeoutConnection: gloox connects with a blocking connect() and no timeout, and leaves
// Nagle on (each TLS record is its own send(), costing ~40 ms stalls). This connects
// non-blocking with a deadline and sets TCP_NODELAY before gloox takes the socket.
#include <chrono>
#include <string>

#include <gloox/connectiontcpclient.h>
#include <gloox/tlsbase.h>
#include <gloox/tlshandler.h>

namespace drover::notifiers::xmpp {

class GuardedTls : public gloox::TLSBase, public gloox::TLSHandler {
 public:
  /// `client` receives the TLS events; `domain` is the name the certificate must carry.
  GuardedTls(gloox::TLSHandler* client, const std::string& domain, std::string caFile);
  ~GuardedTls() override;

  bool init(const std::string& clientKey, const std::string& clientCerts,
            const gloox::StringList& cacerts) override;
  bool encrypt(const std::string& data) override;
  int decrypt(const std::string& data) override;
  void cleanup() override;
  bool handshake() override;
  bool isSecure() const override;
  bool hasChannelBinding() const override;
  const std::string channelBinding() const override;
  void setCACerts(const gloox::StringList& cacerts) override;
  const gloox::CertInfo& fetchTLSInfo() const override;
  void setClientCert(const std::string& clientKey, const std::string& clientCerts) override;

  void handleEncryptedData(const gloox::TLSBase* base, const std::string& data) override;
  void handleDecryptedData(const gloox::TLSBase* base, const std::string& data) override;
  void handleHandshakeResult(const gloox::TLSBase* base, bool success,
                             gloox::CertInfo& certinfo) override;

 private:
  void makeInner();

  std::string domain_;
  std::string caFile_;
  gloox::TLSBase* inner_ = nullptr;
  bool poisoned_ = false;  // the inner object failed a handshake: never clean it up
};

class TimeoutConnection : public gloox::ConnectionTCPClient {
 public:
  TimeoutConnection(gloox::ConnectionDataHandler* handler, const gloox::LogSink& log,
                    const std::string& host, int port, std::chrono::milliseconds timeout);

  gloox::ConnectionError connect() override;
  gloox::ConnectionBase* newInstance() const override;

  /// Why the last connect() failed ("connect to 127.0.0.1:5222: Connection refused").
  const std::string& lastError() const { return lastError_; }

 private:
  /// A connected, blocking socket with TCP_NODELAY, or -1 with lastError_ set.
  int open();

  const gloox::LogSink& log_;
  std::chrono::milliseconds timeout_;
  std::string lastError_;
};

}  // namespace drover::notifiers::xmpp
