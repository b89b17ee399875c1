#include "bench/support/environment.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <sys/utsname.h>

namespace drover::bench {

Json loadAverage() {
  double one = 0, five = 0, fifteen = 0;
  std::ifstream in("/proc/loadavg");
  in >> one >> five >> fifteen;
  return Json::array({one, five, fifteen});
}

Json hostEnvironment() {
  utsname host{};
  ::uname(&host);
  return Json{{"cpus", std::thread::hardware_concurrency()},
              {"kernel", std::string(host.release)},
              {"loadavg_start", loadAverage()}};
}

void writeJson(const std::string& path, const Json& doc) {
  std::filesystem::path file(path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file);
  out << doc.dump(2) << "\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace drover::bench
