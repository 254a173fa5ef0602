#pragma once
// For docker-tier tests: the worker image they use, and the extra engines
// of scripts/start-engines (CAH_ENGINE_D2, CAH_ENGINE_SSH, ...).
// Header-only, for test binaries that link GoogleTest.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "sandbox/docker_sandbox.h"

namespace testing_engines {

inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

/// The image docker-tier tests run workers from: $CAH_TEST_IMAGE, else the
/// one `crater-at-home image build` makes.
inline std::string worker_image() {
  const std::string image = env("CAH_TEST_IMAGE");
  return image.empty() ? sandbox::kDefaultImage : image;
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
