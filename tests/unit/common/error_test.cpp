#include "ferry/common/error.hpp"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(Error, EndpointProblemsExitWithTwoOtherFailuresWithOne) {
  for (ErrorKind kind :
       {ErrorKind::usage, ErrorKind::config, ErrorKind::bad_endpoint, ErrorKind::unreachable,
        ErrorKind::auth_failed, ErrorKind::database_missing}) {
    EXPECT_EQ(Error(kind, "x").exit_code(), ExitCode::bad_input) << to_string(kind);
  }
  EXPECT_EQ(Error(ErrorKind::failure, "x").exit_code(), ExitCode::failure);
}

TEST(Error, CarriesMessageAndRetryability) {
  const Error e(ErrorKind::unreachable, "server gone", true);
  EXPECT_STREQ(e.what(), "server gone");
  EXPECT_TRUE(e.retryable());
  EXPECT_FALSE(Error(ErrorKind::failure, "x").retryable());
}

}  // namespace
}  // namespace ferry
