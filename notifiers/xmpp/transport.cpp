#include "notifiers/xmpp/transport.hpp"

#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gloox/tlsdefault.h>

namespace drover::notifiers::xmpp {

GuardedTls::GuardedTls(gloox::TLSHandler* client, const std::string& domain, std::string caFile)
    : gloox::TLSBase(client, domain), domain_(domain), caFile_(std::move(caFile)) {
  makeInner();
}

GuardedTls::~GuardedTls() {
  if (!poisoned_) delete inner_;
}

void GuardedTls::makeInner() {
  inner_ = new gloox::TLSDefault(this, domain_);
  inner_->init();
  if (!caFile_.empty()) inner_->setCACerts({caFile_});
}

bool GuardedTls::init(const std::string&, const std::string&, const gloox::StringList&) {
  return true;  // the inner object was set up by makeInner()
}

bool GuardedTls::encrypt(const std::string& data) { return inner_->encrypt(data); }
int GuardedTls::decrypt(const std::string& data) { return inner_->decrypt(data); }
bool GuardedTls::handshake() { return inner_->handshake(); }
bool GuardedTls::isSecure() const { return inner_->isSecure(); }
bool GuardedTls::hasChannelBinding() const { return inner_->hasChannelBinding(); }
const std::string GuardedTls::channelBinding() const { return inner_->channelBinding(); }
const gloox::CertInfo& GuardedTls::fetchTLSInfo() const { return inner_->fetchTLSInfo(); }

void GuardedTls::setCACerts(const gloox::StringList& cacerts) {
  // The configured file wins; gloox passes its own (empty) list here.
  if (caFile_.empty()) inner_->setCACerts(cacerts);
}

void GuardedTls::setClientCert(const std::string& clientKey, const std::string& clientCerts) {
  inner_->setClientCert(clientKey, clientCerts);
}

void GuardedTls::cleanup() {
  if (poisoned_) {
    // Deleting it would run the double free; a few hundred bytes per failed handshake
    // is the price of staying up.
    poisoned_ = false;
    makeInner();
    return;
  }
  inner_->cleanup();
  if (!caFile_.empty()) inner_->setCACerts({caFile_});
}

void GuardedTls::handleEncryptedData(const gloox::TLSBase*, const std::string& data) {
  m_handler->handleEncryptedData(this, data);
}

void GuardedTls::handleDecryptedData(const gloox::TLSBase*, const std::string& data) {
  m_handler->handleDecryptedData(this, data);
}

void GuardedTls::handleHandshakeResult(const gloox::TLSBase*, bool success,
                                       gloox::CertInfo& certinfo) {
  if (!success) poisoned_ = true;
  m_handler->handleHandshakeResult(this, success, certinfo);
}

TimeoutConnection::TimeoutConnection(gloox::ConnectionDataHandler* handler,
                                     const gloox::LogSink& log, const std::string& host, int port,
                                     std::chrono::milliseconds timeout)
    : gloox::ConnectionTCPClient(handler, log, host, port), log_(log), timeout_(timeout) {}

gloox::ConnectionBase* TimeoutConnection::newInstance() const {
  return new TimeoutConnection(m_handler, log_, m_server, m_port, timeout_);
}

gloox::ConnectionError TimeoutConnection::connect() {
  if (m_socket < 0) {
    m_socket = open();
    if (m_socket < 0) {
      if (m_handler != nullptr) m_handler->handleDisconnect(this, gloox::ConnConnectionRefused);
      return gloox::ConnConnectionRefused;
    }
  }
  // With a socket in place the base class skips its own blocking connect.
  return gloox::ConnectionTCPClient::connect();
}

namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

// Waits for a non-blocking connect() on `fd`; returns 0 or the errno it ended with.
int finishConnect(int fd, int timeoutMs) {
  pollfd pfd{fd, POLLOUT, 0};
  int ready = ::poll(&pfd, 1, timeoutMs);
  if (ready == 0) return ETIMEDOUT;
  if (ready < 0) return errno;
  int error = 0;
  socklen_t size = sizeof(error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return errno;
  return error;
}

}  // namespace

int TimeoutConnection::open() {
  const std::string where = "connect to " + m_server + ":" + std::to_string(m_port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(m_port);
  if (int rc = ::getaddrinfo(m_server.c_str(), port.c_str(), &hints, &found); rc != 0) {
    lastError_ = where + ": " + gai_strerror(rc);
    return -1;
  }
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(found);
  lastError_ = where + ": no address";
  for (addrinfo* at = found; at != nullptr; at = at->ai_next) {
    int fd =
        ::socket(at->ai_family, at->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, at->ai_protocol);
    if (fd < 0) {
      lastError_ = where + ": " + std::strerror(errno);
      continue;
    }
    int error = ::connect(fd, at->ai_addr, at->ai_addrlen) == 0 ? 0 : errno;
    if (error == EINPROGRESS) error = finishConnect(fd, static_cast<int>(timeout_.count()));
    if (error != 0) {
      lastError_ =
          where + ": " +
          (error == ETIMEDOUT ? "no answer within " + std::to_string(timeout_.count()) + " ms"
                              : std::string(std::strerror(error)));
      ::close(fd);
      continue;
    }
    int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    lastError_.clear();
    return fd;
  }
  return -1;
}

}  // namespace drover::notifiers::xmpp
