// Replays inputs through a fuzz target without libFuzzer, so the ordinary (g++) build
// re-checks every seed and every past crash input on each test run.
//
//   fuzz_envelope FILE_OR_DIR...
//
// Directories are walked recursively in name order. An input that crashes, aborts or lets
// an exception escape stops the run; the path of that input is printed first.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <typeinfo>
#include <vector>

#include <signal.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash handlers. Fixed storage: handlers must not allocate.
char currentInput[4096] = "";
volatile std::sig_atomic_t reported = 0;

void writeStderr(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void reportCurrentInput() {
  if (reported) return;
  reported = 1;
  writeStderr("fuzz replay: failing input: ");
  writeStderr(currentInput);
  writeStderr("\n");
}

extern "C" void onFatalSignal(int signal) {
  reportCurrentInput();
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void onTerminate() {
  reportCurrentInput();
  if (auto error = std::current_exception()) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz replay: uncaught %s: %s\n", typeid(e).name(), e.what());
    } catch (...) {
      std::fprintf(stderr, "fuzz replay: uncaught exception of a non-std type\n");
    }
  }
  std::abort();
}

// Handlers run on their own stack, so a stack overflow still names its input.
void installHandlers() {
  std::set_terminate(onTerminate);
  static char alternateStack[64 * 1024];
  stack_t stack{};
  stack.ss_sp = alternateStack;
  stack.ss_size = sizeof alternateStack;
  sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_handler = onFatalSignal;
  action.sa_flags = SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(signal, &action, nullptr);
}

std::vector<fs::path> inputsUnder(const fs::path& root) {
  if (!fs::is_directory(root)) return {root};
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool runOne(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz replay: cannot read %s\n", file.c_str());
    return false;
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>()};
  std::snprintf(currentInput, sizeof currentInput, "%s", file.c_str());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  installHandlers();
  std::size_t ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    if (!fs::exists(argv[i])) {
      std::fprintf(stderr, "fuzz replay: no such file or directory: %s\n", argv[i]);
      ok = false;
      continue;
    }
    for (const auto& file : inputsUnder(argv[i])) {
      ok = runOne(file) && ok;
      ++ran;
    }
  }
  std::printf("fuzz replay: ran %zu inputs\n", ran);
  return ok && ran > 0 ? 0 : 1;
}
