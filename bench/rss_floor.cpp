// drover-rss-floor: what Debian's libzmq, OpenSSL (libcrypto) and libsodium cost a process
// that uses them as droverd does at its least: two sockets connected to the broker, an
// Ed25519 certificate checked against a CA store, libsodium ready. Nothing of Drover is
// linked. drover-rpc-bench reads its RSS beside an idle droverd's: the part of droverd's
// memory no change to Drover's own code can remove.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <unistd.h>
#include <zmq.h>

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "drover-rss-floor: %s\n", what.c_str());
  std::exit(1);
}

// A self-signed Ed25519 certificate, then the chain check droverd runs on every
// certificate it meets (X509_verify_cert against a store holding the CA).
void checkOneCertificate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  X509* cert = X509_new();
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("floor"), -1, -1, 0);
  if (key == nullptr || X509_set_version(cert, 2) != 1 || X509_set_issuer_name(cert, name) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert), -60) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert), 3600) == nullptr ||
      X509_set_pubkey(cert, key) != 1 || X509_sign(cert, key, nullptr) == 0) {
    fail("cannot make a certificate");
  }
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  if (X509_STORE_add_cert(store, cert) != 1 ||
      X509_STORE_CTX_init(context, store, cert, nullptr) != 1 || X509_verify_cert(context) != 1) {
    fail("the certificate did not verify");
  }
  X509_STORE_CTX_free(context);
  X509_STORE_free(store);
  X509_free(cert);
  EVP_PKEY_free(key);
}

}  // namespace

// Usage: drover-rss-floor PUBLISH_ENDPOINT SUBSCRIBE_ENDPOINT PID_FILE; runs until SIGTERM.
int main(int argc, char** argv) {
  if (argc != 4) fail("usage: drover-rss-floor PUBLISH_ENDPOINT SUBSCRIBE_ENDPOINT PID_FILE");
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  if (sodium_init() < 0) fail("libsodium did not initialise");
  void* context = zmq_ctx_new();
  void* publish = zmq_socket(context, ZMQ_PUB);
  void* subscribe = zmq_socket(context, ZMQ_SUB);
  if (zmq_connect(publish, argv[1]) != 0 || zmq_connect(subscribe, argv[2]) != 0 ||
      zmq_setsockopt(subscribe, ZMQ_SUBSCRIBE, "floor", 5) != 0) {
    fail(std::string("cannot connect: ") + zmq_strerror(zmq_errno()));
  }
  checkOneCertificate();
  std::ofstream(argv[3]) << getpid() << "\n";

  int signal = 0;
  sigwait(&stop, &signal);
  zmq_close(publish);
  zmq_close(subscribe);
  zmq_ctx_term(context);
  return 0;
}
