// The tests' precompiled header (cmake/DroverPrecompiled.cmake): the programs' one, and
// GoogleTest and GoogleMock, which every test file parses.
#include "programs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
