#pragma once
// The pages and JSON of a comparison (compare/compare.h): self-contained
// HTML with relative links only, like the site's, so they work from a
// bucket website, from `serve` and from a copy on disk.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compare/compare.h"
#include "compare/log_lines.h"

namespace compare {

/// `comparisons` most downloaded first. Logs of B are linked only when
/// `same_store` (else they are not reachable by a relative link).
std::string index_page(const Run& a, const Run& b,
                       const std::vector<const Comparison*>& comparisons, bool same_store);
nlohmann::json comparison_json(const Run& a, const Run& b,
                               const std::vector<const Comparison*>& comparisons);
/// Both logs' lines side by side, the first differing line marked.
std::string crate_page(const Run& a, const Run& b, const Comparison& comparison,
                       const LogLines& log_a, const LogLines& log_b, bool same_store);

}  // namespace compare
