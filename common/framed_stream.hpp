// A newline-framed, full-duplex byte stream on the event loop: the supervisor's end of a worker
// channel, the worker's end of it, and the worker's pipes to its backend all use this.
// Reads never stop while the stream is open (a peer blocked on a full pipe is a peer that
// stops answering), and writes are queued without blocking the loop.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "common/unique_fd.hpp"
#include "protocol/line_framer.hpp"

namespace mcp {

class FramedStream : public std::enable_shared_from_this<FramedStream> {
 public:
  struct Handlers {
    LineFramer::LineHandler on_line;
    LineFramer::OversizeHandler on_oversize;
    std::function<void(std::error_code)> on_closed;  // EOF or error; called once
  };

  // Use create(): handlers capture the stream's shared ownership.
  static std::shared_ptr<FramedStream> create(asio::io_context& io, UniqueFd fd,
                                              std::size_t max_line_bytes);

  // Starts reading. Not needed for a write-only stream (a backend's stdin).
  void start_reading(Handlers handlers);
  // Queues one frame; a '\n' is appended.
  void send(std::string_view frame);
  // Closes the descriptor now; queued output is dropped, no handler is called after this.
  void close();
  bool is_open() const { return descriptor_.is_open(); }
  std::size_t queued_bytes() const {
    return (write_in_flight_ ? writing_.size() : 0) + pending_.size();
  }

  FramedStream(asio::io_context& io, UniqueFd fd, std::size_t max_line_bytes);

 private:
  void read_more();
  void read_ready(std::error_code ec);
  void write_more();
  void fail(std::error_code ec);

  asio::posix::stream_descriptor descriptor_;
  LineFramer framer_;

 public:
  // See LineFramer::dropped_head(); valid in the on_oversize handler.
  const LineFramer& framer() const { return framer_; }
  Handlers handlers_;
  std::string writing_;  // owned by the write in flight
  std::string pending_;  // frames queued behind it
  bool write_in_flight_ = false;
  bool closed_reported_ = false;
};

}  // namespace mcp
