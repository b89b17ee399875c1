#include "core/security/ca_index.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "core/util/files.hpp"

namespace drover::security {
namespace {

std::vector<std::string> splitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, '\t');) fields.push_back(field);
  return fields;
}

IssuedCertificate parseLine(const std::string& line) {
  auto fields = splitTabs(line);
  if (fields.size() != 8) throw std::invalid_argument("expected 8 tab-separated fields");
  if (fields[0] != "V" && fields[0] != "R") throw std::invalid_argument("status must be V or R");
  auto role = parseRole(fields[3]);
  if (!role) throw std::invalid_argument("unknown role '" + fields[3] + "'");
  IssuedCertificate entry;
  entry.revoked = fields[0] == "R";
  entry.serial = fields[1];
  entry.name = fields[2];
  entry.role = *role;
  entry.notBeforeMs = std::stoll(fields[4]);
  entry.notAfterMs = std::stoll(fields[5]);
  entry.revokedAtMs = std::stoll(fields[6]);
  entry.fingerprint = fields[7];
  return entry;
}

std::string formatLine(const IssuedCertificate& entry) {
  std::ostringstream out;
  out << (entry.revoked ? "R" : "V") << '\t' << entry.serial << '\t' << entry.name << '\t'
      << toString(entry.role) << '\t' << entry.notBeforeMs << '\t' << entry.notAfterMs << '\t'
      << entry.revokedAtMs << '\t' << entry.fingerprint << '\n';
  return out.str();
}

}  // namespace

std::vector<IssuedCertificate> readIndex(const std::filesystem::path& path) {
  std::istringstream in(util::readFile(path));
  std::vector<IssuedCertificate> entries;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) continue;
    try {
      entries.push_back(parseLine(line));
    } catch (const std::exception& e) {  // std::stoll throws invalid_argument/out_of_range
      throw std::runtime_error(path.string() + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  return entries;
}

void writeIndex(const std::filesystem::path& path, const std::vector<IssuedCertificate>& entries) {
  std::string text;
  for (const auto& entry : entries) text += formatLine(entry);
  util::writeFileAtomically(path, text, 0644);
}

std::string readSerial(const std::filesystem::path& path) {
  std::string text = util::readFile(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    throw std::runtime_error(path.string() + ": not a hex serial number");
  }
  return text;
}

std::string nextSerial(const std::string& hex) {
  std::string digits = hex;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int value = std::stoi(std::string(1, *it), nullptr, 16);
    if (value < 15) {
      *it = "0123456789ABCDEF"[value + 1];
      return digits;
    }
    *it = '0';
  }
  return "1" + digits;  // every digit carried over
}

DirectoryLock::DirectoryLock(const std::filesystem::path& lockFile)
    : fd_(::open(lockFile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  if (fd_ < 0)
    throw std::runtime_error("cannot open " + lockFile.string() + ": " + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd_);
    throw std::runtime_error("cannot lock " + lockFile.string() + ": " + std::strerror(error));
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace drover::security
