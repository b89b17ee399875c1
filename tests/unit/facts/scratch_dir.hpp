#pragma once
// Facts tests use the shared temporary directory of tests/support.
#include "testing/process.hpp"

namespace drover::facts::testing {
using ScratchDir = ::drover::testing::TempDir;
}  // namespace drover::facts::testing
