#include "common/framed_stream.hpp"

#include <asio/write.hpp>

#include "common/shared_read_buffer.hpp"

namespace mcp {

std::shared_ptr<FramedStream> FramedStream::create(asio::io_context& io, UniqueFd fd,
                                                   std::size_t max_line_bytes) {
  return std::make_shared<FramedStream>(io, std::move(fd), max_line_bytes);
}

FramedStream::FramedStream(asio::io_context& io, UniqueFd fd, std::size_t max_line_bytes)
    : descriptor_(io, fd.release()), framer_(max_line_bytes) {
  descriptor_.non_blocking(true);
}

void FramedStream::start_reading(Handlers handlers) {
  handlers_ = std::move(handlers);
  read_more();
}

void FramedStream::read_more() {
  // Wait for readability, then read into the thread's shared buffer: a stream holds only the
  // partial line it has not delivered yet, not 64 KiB of its own (the supervisor has one stream
  // per worker, a worker three).
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                         [self = shared_from_this()](std::error_code ec) { self->read_ready(ec); });
}

void FramedStream::read_ready(std::error_code ec) {
  if (!descriptor_.is_open()) return;
  const std::span<char> buffer = shared_read_buffer();
  std::size_t n = 0;
  if (!ec) n = descriptor_.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    read_more();
    return;
  }
  if (ec) {
    fail(ec);
    return;
  }
  framer_.feed(std::string_view(buffer.data(), n), handlers_.on_line, handlers_.on_oversize);
  // A handler may have closed the stream.
  if (descriptor_.is_open()) read_more();
}

void FramedStream::send(std::string_view frame) {
  if (!descriptor_.is_open()) return;
  pending_.append(frame);
  pending_ += '\n';
  if (!write_in_flight_) write_more();
}

void FramedStream::write_more() {
  if (pending_.empty() || !descriptor_.is_open()) {
    write_in_flight_ = false;
    return;
  }
  // Everything queued so far goes out in one write; new frames gather in pending_ meanwhile.
  writing_.clear();
  writing_.swap(pending_);
  write_in_flight_ = true;
  asio::async_write(descriptor_, asio::buffer(writing_),
                    [self = shared_from_this()](std::error_code ec, std::size_t) {
                      if (!self->descriptor_.is_open()) return;
                      if (ec) {
                        self->fail(ec);
                        return;
                      }
                      self->write_more();
                    });
}

void FramedStream::fail(std::error_code ec) {
  std::error_code ignored;
  descriptor_.close(ignored);
  writing_.clear();
  pending_.clear();
  if (!closed_reported_ && handlers_.on_closed) {
    closed_reported_ = true;
    // Move out first: the handler may drop the last owner of this stream.
    auto on_closed = std::move(handlers_.on_closed);
    on_closed(ec);
  }
}

void FramedStream::close() {
  closed_reported_ = true;
  std::error_code ignored;
  descriptor_.close(ignored);
  writing_.clear();
  pending_.clear();
}

}  // namespace mcp
