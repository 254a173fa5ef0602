#pragma once
// Which crates a run takes from the catalogue, and in what order.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalogue/catalogue.h"
#include "catalogue/crate_list.h"

namespace catalogue {

/// The steps apply in this order, so they combine: the pool is the crate
/// list's crates (or the whole catalogue), `random` samples from it, `top`
/// keeps the most downloaded, and `reverse` flips the order.
struct Selection {
  const CrateList* crate_list = nullptr;  // --crate-list
  std::optional<size_t> random;           // --random N
  uint64_t seed = 0;                      // --seed S
  std::optional<size_t> top;              // --crates N
  bool reverse = false;                   // --rev
};

struct Selected {
  std::vector<Crate> crates;  // most downloaded first, unless reversed
  /// One line per crate-list entry that could not be used.
  std::vector<std::string> errors;
};

Selected select(const Catalogue& catalogue, const Selection& selection);

/// `count` distinct positions out of `size`, the same for the same seed on
/// every machine (std::uniform_int_distribution is not).
std::vector<size_t> sample_positions(size_t size, size_t count, uint64_t seed);

}  // namespace catalogue
