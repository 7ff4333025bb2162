#include "common/status_board.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

namespace mcp {

namespace bip = boost::interprocess;

namespace {

constexpr std::uint32_t board_magic = 0x4d435042;  // "MCPB"
constexpr std::uint32_t board_version = 1;

struct BoardHeader {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint32_t slot_count;
  std::int32_t owner_pid;
};

std::size_t segment_size(std::uint32_t slots) {
  return sizeof(BoardHeader) + sizeof(StatusSlot) * slots;
}

}  // namespace

namespace {

std::size_t slot_offset(std::uint32_t index) {
  return sizeof(BoardHeader) + sizeof(StatusSlot) * index;
}

}  // namespace

struct StatusBoard::Impl {
  bip::shared_memory_object shm;
  // The owner maps the whole segment; a worker only the pages of its slot.
  bip::mapped_region region;
  std::uint32_t mapped_slot = 0;  // a worker's slot
  BoardHeader* header() { return static_cast<BoardHeader*>(region.get_address()); }
  StatusSlot* slot_at(std::uint32_t index) {
    return reinterpret_cast<StatusSlot*>(static_cast<char*>(region.get_address()) +
                                         slot_offset(index));
  }
};

void StatusSlot::set_last_error(const std::string& text) {
  error_seq.fetch_add(1, std::memory_order_acq_rel);
  const std::size_t n = std::min(text.size(), sizeof last_error - 1);
  std::memcpy(last_error, text.data(), n);
  last_error[n] = '\0';
  error_seq.fetch_add(1, std::memory_order_acq_rel);
}

std::string StatusSlot::last_error_text() const {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::uint32_t before = error_seq.load(std::memory_order_acquire);
    if (before & 1u) continue;
    char copy[sizeof last_error];
    std::memcpy(copy, last_error, sizeof copy);
    copy[sizeof copy - 1] = '\0';
    if (error_seq.load(std::memory_order_acquire) == before) return copy;
  }
  return {};
}

std::uint64_t StatusBoard::now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

StatusBoard::StatusBoard(std::string name, bool owner, std::uint32_t slot_count,
                         std::unique_ptr<Impl> impl)
    : name_(std::move(name)), owner_(owner), slot_count_(slot_count), impl_(std::move(impl)) {}

StatusBoard::~StatusBoard() {
  impl_.reset();
  if (owner_) bip::shared_memory_object::remove(name_.c_str());
}

namespace {

// Makes `name` free for us. A segment left by a run that crashed (no destructor ran) is stale
// once its owner is gone, and is removed; a live owner means another mcproxy uses this name,
// and we must not take it. A segment we cannot read (empty after a crash between create and
// truncate, or garbage) is stale too.
bool claim_name(const std::string& name, std::string& error) {
  bool exists = false;
  try {
    bip::shared_memory_object old(bip::open_only, name.c_str(), bip::read_only);
    exists = true;
    bip::mapped_region region(old, bip::read_only);
    if (region.get_size() >= sizeof(BoardHeader)) {
      const auto* h = static_cast<const BoardHeader*>(region.get_address());
      if (h->magic == board_magic && h->owner_pid > 0 && h->owner_pid != ::getpid() &&
          (::kill(h->owner_pid, 0) == 0 || errno == EPERM)) {
        error =
            "status board " + name + " belongs to running process " + std::to_string(h->owner_pid);
        return false;
      }
    }
  } catch (const bip::interprocess_exception&) {
    // Absent (nothing to clean), or present but unreadable (cleaned below).
  }
  if (exists) bip::shared_memory_object::remove(name.c_str());
  return true;
}

}  // namespace

std::unique_ptr<StatusBoard> StatusBoard::create(const std::string& name, std::uint32_t slots,
                                                 std::string& error) {
  try {
    if (!claim_name(name, error)) return nullptr;
    auto impl = std::make_unique<Impl>();
    impl->shm = bip::shared_memory_object(bip::create_only, name.c_str(), bip::read_write);
    // A new segment reads as zeros and takes memory only where written: the header now, each
    // slot when it is handed out.
    impl->shm.truncate(static_cast<bip::offset_t>(segment_size(slots)));
    impl->region = bip::mapped_region(impl->shm, bip::read_write);
    BoardHeader* h = impl->header();
    h->version = board_version;
    h->slot_count = slots;
    h->owner_pid = ::getpid();
    h->magic = board_magic;
    return std::unique_ptr<StatusBoard>(new StatusBoard(name, true, slots, std::move(impl)));
  } catch (const bip::interprocess_exception& e) {
    error = "cannot create status board " + name + ": " + e.what();
    return nullptr;
  }
}

bool StatusBoard::rename(const std::string& name, std::string& error) {
  if (!owner_ || name == name_) return owner_;
  try {
    if (!claim_name(name, error)) return false;
  } catch (const bip::interprocess_exception& e) {
    error = "cannot rename status board " + name_ + " to " + name + ": " + e.what();
    return false;
  }
  // POSIX has no shm_rename; glibc keeps shm_open's names as files in /dev/shm, where a rename
  // moves the name and leaves every mapping (the workers' slots) as it is. NOREPLACE: a segment
  // that appeared since claim_name is somebody else's.
  const std::string from = "/dev/shm/" + name_, to = "/dev/shm/" + name;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    error = "cannot rename status board " + name_ + " to " + name + ": " + std::strerror(errno);
    return false;
  }
  name_ = name;
  return true;
}

std::unique_ptr<StatusBoard> StatusBoard::open_slot(const std::string& name, std::uint32_t index,
                                                    std::string& error) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->shm = bip::shared_memory_object(bip::open_only, name.c_str(), bip::read_write);
    bip::offset_t size = 0;
    impl->shm.get_size(size);
    std::uint32_t slots = 0;
    {
      const bip::mapped_region head(impl->shm, bip::read_only, 0, sizeof(BoardHeader));
      const auto* h = static_cast<const BoardHeader*>(head.get_address());
      if (h->magic != board_magic || h->version != board_version ||
          static_cast<std::size_t>(size) < segment_size(h->slot_count)) {
        error = "status board " + name + " has an unknown layout";
        return nullptr;
      }
      slots = h->slot_count;
    }
    if (index >= slots) {
      error = "status board " + name + " has no slot " + std::to_string(index);
      return nullptr;
    }
    // Boost maps from the page that holds the offset and points get_address() at the offset.
    impl->region =
        bip::mapped_region(impl->shm, bip::read_write,
                           static_cast<bip::offset_t>(slot_offset(index)), sizeof(StatusSlot));
    impl->mapped_slot = index;
    return std::unique_ptr<StatusBoard>(new StatusBoard(name, false, slots, std::move(impl)));
  } catch (const bip::interprocess_exception& e) {
    error = "cannot open status board " + name + ": " + e.what();
    return nullptr;
  }
}

StatusSlot* StatusBoard::slot(std::uint32_t index) {
  if (index >= slot_count_) return nullptr;
  if (owner_) return impl_->slot_at(index);
  return index == impl_->mapped_slot ? static_cast<StatusSlot*>(impl_->region.get_address())
                                     : nullptr;
}

StatusSlot* StatusBoard::reset_slot(std::uint32_t index) {
  if (!owner_ || index >= slot_count_) return nullptr;
  return new (impl_->slot_at(index)) StatusSlot{};
}

}  // namespace mcp
