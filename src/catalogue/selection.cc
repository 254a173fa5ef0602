#include "catalogue/selection.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace catalogue {

std::vector<size_t> sample_positions(size_t size, size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);  // its output is fixed by the standard
  std::vector<size_t> positions(size);
  std::iota(positions.begin(), positions.end(), size_t{0});
  count = std::min(count, size);
  // The first `count` steps of a Fisher-Yates shuffle. The modulo's bias is
  // below 2^-40 for any catalogue that fits in memory.
  for (size_t i = 0; i < count; ++i) {
    const size_t j = i + static_cast<size_t>(rng() % (size - i));
    std::swap(positions[i], positions[j]);
  }
  positions.resize(count);
  return positions;
}

Selected select(const Catalogue& catalogue, const Selection& selection) {
  Selected selected;
  std::vector<Crate> pool = selection.crate_list != nullptr
                                ? resolve(*selection.crate_list, catalogue, selected.errors)
                                : catalogue.crates();
  if (selection.crate_list != nullptr) {
    selected.errors.insert(selected.errors.begin(), selection.crate_list->errors.begin(),
                           selection.crate_list->errors.end());
  }
  if (selection.random) {
    std::vector<Crate> sample;
    for (size_t position : sample_positions(pool.size(), *selection.random, selection.seed)) {
      sample.push_back(std::move(pool[position]));
    }
    std::stable_sort(sample.begin(), sample.end(), more_popular);
    pool = std::move(sample);
  }
  if (selection.top && pool.size() > *selection.top) pool.resize(*selection.top);
  if (selection.reverse) std::reverse(pool.begin(), pool.end());
  selected.crates = std::move(pool);
  return selected;
}

}  // namespace catalogue
