// Parsed once per build and loaded by every source file of the programs and libraries
// (cmake/DroverPrecompiled.cmake): nlohmann/json alone is about 130,000 lines after
// preprocessing, and nearly every file includes it through core/util/json.hpp.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
