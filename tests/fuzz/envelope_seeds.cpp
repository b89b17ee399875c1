// Writes envelope seeds for fuzz_envelope: encoded request, reply (with its timing) and
// registration envelopes, one with a signature, and one of a version this build does not speak.
//
//   fuzz_envelope_seeds DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/envelope/envelope.hpp"

namespace {

using namespace drover;

envelope::Envelope request() {
  envelope::Envelope env;
  env.id = "5f1c0a8e3b2d4c6a9e7f1b3d5c7a9e0f";
  env.type = envelope::MessageType::Request;
  env.sender = "admin@workstation";
  env.collective = "drover";
  env.agent = "puppet";
  env.action = "runonce";
  env.args = Json{{"environment", "production"}, {"noop", false}, {"splay", 30},
                  {"tags", {"web", "db"}},       {"ratio", 0.5},  {"nothing", nullptr}};
  env.filter = "region=eu-west-1 and (role=web or role=db) and not maintenance=true";
  env.ttl = 60;
  env.time = 1700000000123;
  env.replyTo = "drover.reply.admin-1234.";
  return env;
}

envelope::Envelope reply() {
  auto env = envelope::makeReply(request(), "web12.example.com",
                                 {envelope::StatusCode::Aborted, "puppet is disabled"},
                                 Json{{"summary", {{"changes", 3}, {"failures", -1}}}});
  env.id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  env.time = 1700000000456;
  env.timing = {1200, 9876543, 9800000, 2};
  return env;
}

envelope::Envelope registration() {
  envelope::Envelope env;
  env.id = "ffeeddccbbaa99887766554433221100";
  env.type = envelope::MessageType::Registration;
  env.sender = "web12.example.com";
  env.collective = "drover";
  env.time = 1700000000789;
  env.data = Json{{"facts", {{"os", {{"family", "Debian"}}}, {"cpus", 4}}},
                  {"classes", {"role::web"}},
                  {"agents", {"rpcutil", "puppet"}}};
  return env;
}

void write(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
  std::printf("%s: %zu bytes\n", file.c_str(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  write(dir / "request.msgpack", envelope::encode(request()));
  write(dir / "reply.msgpack", envelope::encode(reply()));
  write(dir / "registration.msgpack", envelope::encode(registration()));
  auto signedRequest = request();
  signedRequest.sig = std::string("\x30\x45\x02\x21\x00\xfe\x01", 7);
  write(dir / "signed_request.msgpack", envelope::encode(signedRequest));
  auto asking = request();
  asking.replyMac = true;
  write(dir / "reply_mac_request.msgpack", envelope::encode(asking));
  auto maced = reply();
  maced.mac = std::string(envelope::kMacSize, '\x6d');
  write(dir / "maced_reply.msgpack", envelope::encode(maced));
  auto future = request();
  future.v = 2;
  write(dir / "version2_request.msgpack", envelope::encode(future));
  return 0;
}
