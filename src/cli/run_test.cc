// Replaced by the run tests.
#include <gtest/gtest.h>
