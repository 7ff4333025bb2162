// supervisor/fd_limit.hpp: the warning when maxConnections cannot all be open under the fd limit.
// (raise_fd_limit itself changes the process's limit; the e2e test starts mcproxy under prlimit.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "supervisor/fd_limit.hpp"

namespace mcp::supervisor {
namespace {

using testing::HasSubstr;

TEST(FdLimitWarning, NoneWhenConnectionsAndReserveFit) {
  EXPECT_EQ(fd_limit_warning({1024, 65536, 65536}, 4096, 84), "");
  EXPECT_EQ(fd_limit_warning({1024, 4180, 4180}, 4096, 84), "") << "exactly enough";
}

TEST(FdLimitWarning, NamesTheLimitAndHowManyConnectionsFit) {
  const std::string w = fd_limit_warning({1024, 1024, 1024}, 4096, 84);
  EXPECT_THAT(w, HasSubstr("fd limit (1024, hard 1024)"));
  EXPECT_THAT(w, HasSubstr("about 940 of mcproxy.maxConnections (4096)"));
  EXPECT_THAT(w, HasSubstr("LimitNOFILE="));
}

TEST(FdLimitWarning, OneShortIsShort) {
  EXPECT_THAT(fd_limit_warning({1024, 4179, 4179}, 4096, 84), HasSubstr("about 4095 of"));
}

TEST(FdLimitWarning, ReserveLargerThanTheLimitLeavesNone) {
  EXPECT_THAT(fd_limit_warning({50, 50, 50}, 10, 64), HasSubstr("about 0 of"));
}

TEST(FdLimitWarning, UnknownLimitSaysNothing) {
  EXPECT_EQ(fd_limit_warning({}, 4096, 84), "");
}

}  // namespace
}  // namespace mcp::supervisor
