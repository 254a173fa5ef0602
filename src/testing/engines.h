#pragma once
// For docker-tier tests that need the extra engines of scripts/start-engines
// (CAH_ENGINE_D2, CAH_ENGINE_SSH, ...): header-only, for test binaries
// that link GoogleTest.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace testing_engines {

inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

/// Whether start-engines' `name` is missing from the environment: then the
/// test fails (a docker-tier test does not skip what it needs), unless
/// CAH_ALLOW_NO_ENGINES=1 lets it skip.
inline bool engine_missing(const char* name) {
  if (!env(name).empty()) return false;
  if (env("CAH_ALLOW_NO_ENGINES") != "1") {
    ADD_FAILURE() << name << " is not set: eval \"$(scripts/start-engines)\" first, or set "
                  << "CAH_ALLOW_NO_ENGINES=1 to skip the tests that need those engines";
  }
  return true;
}

}  // namespace testing_engines
