#pragma once
#include <string>

namespace drover::util {

/// A 128-bit random identifier as 32 lowercase hex characters, from the OS CSPRNG
/// (request ids must not be guessable: replay refusal keys on them). Thread safe.
/// Throws std::runtime_error if the random source fails.
std::string randomId();

}  // namespace drover::util
