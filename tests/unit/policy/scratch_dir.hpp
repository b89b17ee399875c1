#pragma once
// Policy tests use the shared temporary directory of tests/support.
#include "testing/process.hpp"

namespace drover::policy::test {
using ScratchDir = ::drover::testing::TempDir;
}  // namespace drover::policy::test
