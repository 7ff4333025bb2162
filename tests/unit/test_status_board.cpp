// common/status_board.hpp: what the supervisor and a worker each see, and which pages exist.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/status_board.hpp"

namespace mcp {
namespace {

std::string board_name(const char* tag) {
  return "mcproxy-unit-" + std::to_string(::getpid()) + "-" + tag;
}

// Whether the page holding p is in memory (for a shared-memory mapping: whether it exists).
bool resident(const void* p) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  unsigned char v = 0;
  if (::mincore(reinterpret_cast<void*>(start), page, &v) != 0) return false;
  return (v & 1u) != 0;
}

TEST(StatusBoard, OnlyWrittenPagesExist) {
  std::string error;
  auto board = StatusBoard::create(board_name("pages"), 1024, error);
  ASSERT_TRUE(board) << error;
  EXPECT_FALSE(resident(board->slot(500))) << "a slot nobody was handed takes no memory";
  EXPECT_FALSE(resident(board->slot(1023)));
  board->reset_slot(500);
  EXPECT_TRUE(resident(board->slot(500)));
  EXPECT_FALSE(resident(board->slot(1023)));
}

TEST(StatusBoard, AWorkerSeesItsOwnSlotOnly) {
  std::string error;
  auto board = StatusBoard::create(board_name("own"), 64, error);
  ASSERT_TRUE(board) << error;
  board->reset_slot(3);
  board->reset_slot(4);
  auto worker = StatusBoard::open_slot(board->name(), 3, error);
  ASSERT_TRUE(worker) << error;
  EXPECT_EQ(worker->slot_count(), 64u);
  EXPECT_EQ(worker->slot(4), nullptr);
  EXPECT_EQ(worker->slot(64), nullptr);
  ASSERT_NE(worker->slot(3), nullptr);
  worker->slot(3)->heartbeat_ms = 12345;
  worker->slot(3)->set_last_error("backend exited with status 3");
  EXPECT_EQ(board->slot(3)->heartbeat_ms.load(), 12345u) << "the same memory, seen by the owner";
  EXPECT_EQ(board->slot(3)->last_error_text(), "backend exited with status 3");
  EXPECT_EQ(board->slot(4)->heartbeat_ms.load(), 0u);
  // Its mapping covers its slot and what shares those pages, not the board.
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto at = reinterpret_cast<std::uintptr_t>(worker->slot(3));
  EXPECT_LE((at % page) + sizeof(StatusSlot), 2 * page);
}

TEST(StatusBoard, AResetSlotForgetsItsLastOwner) {
  std::string error;
  auto board = StatusBoard::create(board_name("reset"), 8, error);
  ASSERT_TRUE(board) << error;
  StatusSlot* s = board->reset_slot(1);
  s->frames_from_backend = 99;
  s->set_last_error("old server's error");
  s = board->reset_slot(1);
  EXPECT_EQ(s->frames_from_backend.load(), 0u);
  EXPECT_EQ(s->last_error_text(), "");
}

TEST(StatusBoard, OpeningWhatIsNotThereFailsWithAReason) {
  std::string error;
  EXPECT_EQ(StatusBoard::open_slot(board_name("absent"), 0, error), nullptr);
  EXPECT_NE(error.find("cannot open status board"), std::string::npos) << error;
  auto board = StatusBoard::create(board_name("range"), 8, error);
  ASSERT_TRUE(board) << error;
  error.clear();
  EXPECT_EQ(StatusBoard::open_slot(board->name(), 8, error), nullptr);
  EXPECT_NE(error.find("has no slot 8"), std::string::npos) << error;
}

bool shm_exists(const std::string& name) {
  return ::access(("/dev/shm/" + name).c_str(), F_OK) == 0;
}

TEST(StatusBoard, ARenamedBoardKeepsItsSlotsAndGoesByTheNewName) {
  std::string error;
  auto board = StatusBoard::create(board_name("before"), 8, error);
  ASSERT_TRUE(board) << error;
  auto worker = StatusBoard::open_slot(board->name(), 2, error);
  ASSERT_TRUE(worker) << error;
  board->reset_slot(2);
  ASSERT_TRUE(board->rename(board_name("after"), error)) << error;
  EXPECT_EQ(board->name(), board_name("after"));
  EXPECT_FALSE(shm_exists(board_name("before")));
  EXPECT_TRUE(shm_exists(board_name("after")));
  // A worker mapped before the rename still shares the memory; one started after finds it.
  worker->slot(2)->heartbeat_ms = 777;
  EXPECT_EQ(board->slot(2)->heartbeat_ms.load(), 777u);
  auto later = StatusBoard::open_slot(board_name("after"), 2, error);
  ASSERT_TRUE(later) << error;
  EXPECT_EQ(later->slot(2)->heartbeat_ms.load(), 777u);
  board.reset();
  EXPECT_FALSE(shm_exists(board_name("after"))) << "removed under its new name";
}

TEST(StatusBoard, ARenameOntoAStaleBoardTakesItOntoALiveOneIsRefused) {
  std::string error;
  auto board = StatusBoard::create(board_name("mover"), 8, error);
  ASSERT_TRUE(board) << error;
  {
    // A board whose owner is alive: this test's parent process stands in for another mcproxy.
    auto other = StatusBoard::create(board_name("taken"), 8, error);
    ASSERT_TRUE(other) << error;
    const int fd = ::open(("/dev/shm/" + board_name("taken")).c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    const std::int32_t parent = ::getppid();  // the header's owner_pid, at byte 12
    ASSERT_EQ(::pwrite(fd, &parent, sizeof parent, 12), static_cast<ssize_t>(sizeof parent));
    ::close(fd);
    EXPECT_FALSE(board->rename(board_name("taken"), error));
    EXPECT_NE(error.find("belongs to running process " + std::to_string(parent)), std::string::npos)
        << error;
    EXPECT_EQ(board->name(), board_name("mover")) << "the old name is kept";
    EXPECT_TRUE(shm_exists(board_name("mover")));
  }
  // `other` is gone with its name. A stale segment (no owner alive) is taken over.
  const int fd = ::open(("/dev/shm/" + board_name("stale")).c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "garbage", 7), 7);
  ::close(fd);
  error.clear();
  EXPECT_TRUE(board->rename(board_name("stale"), error)) << error;
  EXPECT_EQ(board->name(), board_name("stale"));
}

}  // namespace
}  // namespace mcp
