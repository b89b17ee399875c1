#pragma once
// Values that look like numbers but are not plain decimals. The language reads them as
// text (filter.hpp, "Types"), so `cpus>=010` would compare strings and select almost
// every node; the client refuses such ordering comparisons and says what to write.
#include <optional>
#include <string>
#include <string_view>

namespace drover::filter {

/// When `text` spells a number in a notation the filter language does not read as one,
/// the plain decimal it stands for; "" when no one spelling can be given. The notations:
/// leading zeros (`010`, `-007.5`), a `0x`, `0o` or `0b` prefix (`0x1F`, `0o17`,
/// `0b101`), digit separators `_` and `'` between digits (`1_000`), a leading `+`,
/// a bare point (`.5`, `5.`), an exponent (`1e3`), and `,` between digits (`1,000`
/// or `2,5`: which one is meant is unclear, so the answer is ""). Returns none for a
/// plain decimal (`10`, `-2.5`) and for anything that is not number-like (`5.10.1`,
/// `web01`, `0x`).
std::optional<std::string> plainDecimalFor(std::string_view text);

}  // namespace drover::filter
