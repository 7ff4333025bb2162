// mcp-raw-latency: the latency of sequential MCP `tools/call echo` calls, measured with a client
// that costs (almost) nothing, so that what remains is the server's or the gateway's own time.
//
//   mcp-raw-latency stdio --calls N --warmup W -- CMD ARGS...
//   mcp-raw-latency http --url http://127.0.0.1:PORT/mcp --tool t0__echo --calls N --warmup W
//
// stdio: spawns CMD, speaks newline-delimited JSON-RPC on its stdin/stdout (MCP basic/transports,
// "stdio"). http: one keep-alive TCP connection (TCP_NODELAY) to a Streamable HTTP endpoint
// (MCP basic/transports, "Streamable HTTP"): initialize, take Mcp-Session-Id, then POSTs.
// Each call is timed with CLOCK_MONOTONIC from just before the request's write() to just after its
// answer is complete (the answer line; the Content-Length body; or, for a text/event-stream
// reply, the event that carries the JSON-RPC response). Prints one JSON line on stdout:
//   {"mode":"http","calls":N,"p50_us":..,"p90_us":..,"p99_us":..,"mean_us":..,"min_us":..,...}
// Exit 0 on success; 1 with one stderr line on any failure (wrong answer, HTTP status, 10 s
// without an answer, backend exit); 2 on bad usage.
//
// JSON is checked by looking for members in the text, not parsed: the answers come from our own
// test server (rapidjson, compact) and a parser would add the client-side cost this tool exists
// to leave out. The echo text is unique per call, so an answer cannot be mistaken for another.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern char** environ;

namespace {

constexpr std::int64_t call_timeout_ns = 10'000'000'000;
constexpr std::int64_t child_exit_timeout_ns = 5'000'000'000;
constexpr std::size_t max_head_bytes = 64 * 1024;
constexpr std::size_t read_chunk_bytes = 64 * 1024;
constexpr const char* protocol_version = "2025-06-18";

// Every failure ends the run, so one exception type carries the message to main().
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& what) {
  throw Failure(what);
}
[[noreturn]] void fail_errno(const std::string& what) {
  fail(what + ": " + std::strerror(errno));
}

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// ---- CPU accounting over the measured calls ----

std::int64_t timeval_us(const timeval& tv) {
  return std::int64_t{tv.tv_sec} * 1'000'000 + tv.tv_usec;
}

// utime + stime of another process (proc(5), /proc/PID/stat fields 14 and 15), in µs. Counted in
// clock ticks (10 ms), so only meaningful over many calls; -1 if unreadable.
std::int64_t process_cpu_us(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const std::size_t paren = stat.rfind(')');  // the command name may hold spaces and ')'
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 1));  // field 3 (the state) on
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;
  long long utime = 0;
  long long stime = 0;
  if (!(fields >> utime >> stime)) return -1;
  return (utime + stime) * 1'000'000 / ::sysconf(_SC_CLK_TCK);
}

struct CpuSnapshot {
  std::int64_t self_us = 0;      // getrusage: microsecond resolution
  std::int64_t backend_us = -1;  // the stdio backend, if any
};

CpuSnapshot cpu_snapshot(pid_t backend) {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return {timeval_us(ru.ru_utime) + timeval_us(ru.ru_stime),
          backend > 0 ? process_cpu_us(backend) : -1};
}

struct Measurement {
  std::vector<double> latencies_us;
  double client_cpu_us_per_call = 0;
  double backend_cpu_us_per_call = -1;  // stdio only; -1 when unknown
  int tcp_connections = 0;              // http only

  void record_cpu(const CpuSnapshot& before, const CpuSnapshot& after) {
    const auto calls = static_cast<double>(latencies_us.size());
    client_cpu_us_per_call = static_cast<double>(after.self_us - before.self_us) / calls;
    if (before.backend_us >= 0 && after.backend_us >= 0) {
      backend_cpu_us_per_call = static_cast<double>(after.backend_us - before.backend_us) / calls;
    }
  }
};

// ---- I/O with a deadline ----

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail_errno("fcntl O_NONBLOCK");
}

// Waits until fd is ready for `events` or the deadline passes (then fails naming `what`).
void wait_ready(int fd, short events, std::int64_t deadline_ns, const char* what) {
  for (;;) {
    const std::int64_t left_ns = deadline_ns - now_ns();
    if (left_ns <= 0) fail(std::string("timed out (10 s) ") + what);
    pollfd p{fd, events, 0};
    const int timeout_ms = static_cast<int>((left_ns + 999'999) / 1'000'000);
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) return;
    if (n < 0 && errno != EINTR) fail_errno("poll");
  }
}

void write_all(int fd, std::string_view data, std::int64_t deadline_ns, const char* what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n >= 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno == EAGAIN) {
      wait_ready(fd, POLLOUT, deadline_ns, what);
    } else if (errno != EINTR) {
      fail_errno(std::string("write ") + what);
    }
  }
}

// Appends what is readable to `buf`, waiting up to the deadline. Returns false at end of file.
bool read_some(int fd, std::string& buf, std::int64_t deadline_ns, const char* what) {
  // Not read straight into `buf`: growing a std::string zero-fills, a cost on every call.
  static char chunk[read_chunk_bytes];
  for (;;) {
    // poll() first: we read only when waiting for an answer, which is rarely there yet, so this
    // saves the read() that would return EAGAIN.
    wait_ready(fd, POLLIN, deadline_ns, what);
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buf.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno != EAGAIN && errno != EINTR) fail_errno(std::string("read ") + what);
  }
}

// ---- JSON member look-up (see the file comment for why there is no parser) ----

// Position just after `"key"` + optional whitespace + ':' + optional whitespace, from `from` on.
std::optional<std::size_t> member_value(std::string_view json, std::string_view key,
                                        std::size_t from = 0) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (std::size_t at = json.find(quoted, from); at != std::string_view::npos;
       at = json.find(quoted, at + 1)) {
    std::size_t p = at + quoted.size();
    while (p < json.size() && std::strchr(" \t\r\n", json[p]) != nullptr) ++p;
    if (p >= json.size() || json[p] != ':') continue;
    ++p;
    while (p < json.size() && std::strchr(" \t\r\n", json[p]) != nullptr) ++p;
    return p;
  }
  return std::nullopt;
}

bool member_is(std::string_view json, std::string_view key, std::string_view value) {
  for (auto p = member_value(json, key); p; p = member_value(json, key, *p)) {
    if (json.substr(*p, value.size()) == value) return true;
  }
  return false;
}

// A JSON-RPC response to request `id` (a number): has that id and no "method".
bool is_response_to(std::string_view json, long id) {
  if (member_value(json, "method")) return false;
  const auto p = member_value(json, "id");
  if (!p) return false;
  const std::string digits = std::to_string(id);
  const std::size_t end = *p + digits.size();
  return json.substr(*p, digits.size()) == digits &&
         (end == json.size() || std::strchr("0123456789.eE", json[end]) == nullptr);
}

std::string string_value(std::string_view json, std::string_view key) {
  const auto p = member_value(json, key);
  if (!p || *p >= json.size() || json[*p] != '"') return {};
  const std::size_t end = json.find('"', *p + 1);
  return end == std::string_view::npos ? std::string{}
                                       : std::string(json.substr(*p + 1, end - *p - 1));
}

std::string excerpt(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s.substr(0, 300)) + (s.size() > 300 ? "..." : "");
}

// The echo answer must be a result (not an error, not isError) whose text is `text`.
void check_echo(std::string_view answer, std::string_view text) {
  if (!member_value(answer, "result") || member_is(answer, "isError", "true")) {
    fail("echo failed: " + excerpt(answer));
  }
  if (!member_is(answer, "text", "\"" + std::string(text) + "\"")) {
    fail("echo answer does not contain \"" + std::string(text) + "\": " + excerpt(answer));
  }
}

std::string call_request(long id, std::string_view tool, std::string_view text) {
  return "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) +
         ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + std::string(tool) +
         "\",\"arguments\":{\"text\":\"" + std::string(text) + "\"}}}";
}

std::string initialize_request(long id) {
  return "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) +
         ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + protocol_version +
         "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"mcp-raw-latency\",\"version\":\"1\"}}}";
}

constexpr std::string_view initialized_notification =
    R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

// ---- stdio ----

class StdioBackend {
 public:
  explicit StdioBackend(const std::vector<std::string>& argv) {
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) < 0 || ::pipe2(out, O_CLOEXEC) < 0) fail_errno("pipe2");
    to_child_.reset(in[1]);
    from_child_.reset(out[0]);
    UniqueFd child_in(in[0]);
    UniqueFd child_out(out[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child_in.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, child_out.get(), STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) fail("cannot start " + argv[0] + ": " + std::strerror(rc));
    set_nonblocking(to_child_.get());
    set_nonblocking(from_child_.get());
  }
  StdioBackend(const StdioBackend&) = delete;
  StdioBackend& operator=(const StdioBackend&) = delete;

  // Closing stdin asks the server to exit (MCP basic/lifecycle, "Shutdown", stdio).
  ~StdioBackend() {
    to_child_.reset();
    const std::int64_t deadline_ns = now_ns() + child_exit_timeout_ns;
    while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (now_ns() > deadline_ns) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        return;
      }
      ::usleep(1000);
    }
  }

  pid_t pid() const { return pid_; }

  void send(std::string_view line, std::int64_t deadline_ns) {
    write_all(to_child_.get(), line, deadline_ns, "to the backend's stdin");
  }

  // Reads lines until the response to `id`; other lines (notifications, logs) are skipped.
  std::string read_response(long id, std::int64_t deadline_ns) {
    for (;;) {
      const std::size_t nl = buf_.find('\n', scanned_);
      if (nl == std::string::npos) {
        scanned_ = buf_.size();
        if (!read_some(from_child_.get(), buf_, deadline_ns, "waiting for the backend")) {
          fail("the backend closed its stdout (exited?)");
        }
        continue;
      }
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      scanned_ = 0;
      if (is_response_to(line, id)) return line;
    }
  }

 private:
  pid_t pid_ = -1;
  UniqueFd to_child_;
  UniqueFd from_child_;
  std::string buf_;
  std::size_t scanned_ = 0;
};

Measurement run_stdio(const std::vector<std::string>& argv, int calls, int warmup) {
  StdioBackend backend(argv);
  long id = 1;
  std::int64_t deadline_ns = now_ns() + call_timeout_ns;
  backend.send(initialize_request(id) + "\n", deadline_ns);
  const std::string init = backend.read_response(id++, deadline_ns);
  if (!member_value(init, "result")) fail("initialize failed: " + excerpt(init));
  backend.send(std::string(initialized_notification) + "\n", deadline_ns);

  Measurement m;
  m.latencies_us.reserve(static_cast<std::size_t>(calls));
  CpuSnapshot cpu_before;
  for (int i = 0; i < warmup + calls; ++i) {
    if (i == warmup) cpu_before = cpu_snapshot(backend.pid());
    const std::string text = "raw-" + std::to_string(i);
    const std::string request = call_request(id, "echo", text) + "\n";
    const std::int64_t t0 = now_ns();
    deadline_ns = t0 + call_timeout_ns;
    backend.send(request, deadline_ns);
    const std::string answer = backend.read_response(id++, deadline_ns);
    const std::int64_t t1 = now_ns();
    check_echo(answer, text);
    if (i >= warmup) m.latencies_us.push_back(static_cast<double>(t1 - t0) / 1000.0);
  }
  m.record_cpu(cpu_before, cpu_snapshot(backend.pid()));
  return m;
}

// ---- HTTP ----

struct Url {
  std::string host;
  std::string port;
  std::string path;
};

Url parse_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) fail("--url must start with http://");
  url.remove_prefix(scheme.size());
  const std::size_t slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  Url u;
  u.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  const std::size_t colon = authority.rfind(':');
  u.host = std::string(authority.substr(0, colon));
  u.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
  if (u.host.size() > 1 && u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty()) fail("--url has no host");
  return u;
}

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string answer;          // the JSON-RPC message (the body, or the SSE event's data)
  std::int64_t answer_ns = 0;  // when the answer was complete
  bool keep_alive = true;

  const std::string* header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Finds, in an SSE stream's complete events (text/event-stream, HTML Living Standard section
// 9.2.6: events end at a blank line; "data:" lines are joined with "\n"), the event whose data is
// the response to `id`. Scanning restarts from the first event not yet complete.
std::optional<std::string> find_sse_answer(std::string_view stream, long id, std::size_t& from) {
  for (;;) {
    std::size_t end = stream.find("\n\n", from);
    std::size_t sep = 2;
    const std::size_t crlf_end = stream.find("\r\n\r\n", from);
    if (crlf_end < end) {
      end = crlf_end;
      sep = 4;
    }
    if (end == std::string_view::npos) return std::nullopt;
    std::string data;
    std::string_view event = stream.substr(from, end - from);
    from = end + sep;
    while (!event.empty()) {
      const std::size_t nl = event.find('\n');
      std::string_view line = event.substr(0, nl);
      event.remove_prefix(nl == std::string_view::npos ? event.size() : nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.substr(0, 5) != "data:") continue;
      line.remove_prefix(5);
      if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (!data.empty()) data += '\n';
      data += line;
    }
    if (is_response_to(data, id)) return data;
  }
}

class HttpClient {
 public:
  explicit HttpClient(Url url) : url_(std::move(url)) {}

  int connections() const { return connections_; }
  void set_session(std::string session_id, std::string version) {
    session_id_ = std::move(session_id);
    version_ = std::move(version);
  }

  // A POST of `body`, built before the timer starts.
  std::string post_request(std::string_view body) const {
    std::string request = "POST " + url_.path + " HTTP/1.1\r\nHost: " + url_.host + ":" +
                          url_.port +
                          "\r\nContent-Type: application/json\r\n"
                          "Accept: application/json, text/event-stream\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n";
    if (!session_id_.empty()) {
      request +=
          "Mcp-Session-Id: " + session_id_ + "\r\nMCP-Protocol-Version: " + version_ + "\r\n";
    }
    request += "\r\n";
    request += body;
    return request;
  }

  HttpResponse post(std::string_view body, long id, std::int64_t deadline_ns) {
    return exchange(post_request(body), id, deadline_ns);
  }

  // Ends the session (MCP basic/transports, "Session Management"); the answer is not checked.
  void delete_session() {
    if (session_id_.empty()) return;
    const std::string request = "DELETE " + url_.path + " HTTP/1.1\r\nHost: " + url_.host + ":" +
                                url_.port + "\r\nMcp-Session-Id: " + session_id_ +
                                "\r\nMCP-Protocol-Version: " + version_ + "\r\n\r\n";
    try {
      exchange(request, -1, now_ns() + call_timeout_ns);
    } catch (const Failure&) {
    }
  }

  // Sends `request` and reads the whole response; `id` < 0 for a notification (no JSON-RPC
  // answer expected). The caller times from before the call to response.answer_ns.
  HttpResponse exchange(std::string_view request, long id, std::int64_t deadline_ns) {
    if (sock_.get() < 0) connect_socket(deadline_ns);
    write_all(sock_.get(), request, deadline_ns, "the HTTP request");
    HttpResponse r = read_head(deadline_ns);
    read_body(r, id, deadline_ns);
    if (!r.keep_alive) {
      sock_.reset();
      buf_.clear();
    }
    return r;
  }

 private:
  void connect_socket(std::int64_t deadline_ns) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (const int rc = ::getaddrinfo(url_.host.c_str(), url_.port.c_str(), &hints, &res); rc != 0) {
      fail("cannot resolve " + url_.host + ": " + ::gai_strerror(rc));
    }
    UniqueFd s(::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const int rc = s.get() < 0 ? -1 : ::connect(s.get(), res->ai_addr, res->ai_addrlen);
    const int connect_errno = errno;
    ::freeaddrinfo(res);
    if (s.get() < 0) fail_errno("socket");
    if (rc < 0 && connect_errno != EINPROGRESS) {
      errno = connect_errno;
      fail_errno("connect to " + url_.host + ":" + url_.port);
    }
    wait_ready(s.get(), POLLOUT, deadline_ns, "connecting");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      errno = err;
      fail_errno("connect to " + url_.host + ":" + url_.port);
    }
    const int one = 1;
    ::setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sock_ = std::move(s);
    buf_.clear();
    ++connections_;
  }

  // Reads more into buf_; end of file here is an error.
  void fill(std::int64_t deadline_ns, const char* what) {
    if (!read_some(sock_.get(), buf_, deadline_ns, what)) {
      fail(std::string("the server closed the connection ") + what);
    }
  }

  HttpResponse read_head(std::int64_t deadline_ns) {
    for (;;) {
      std::size_t end;
      while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
        if (buf_.size() > max_head_bytes) fail("HTTP response head over 64 KiB");
        fill(deadline_ns, "waiting for the response head");
      }
      HttpResponse r = parse_head(std::string_view(buf_).substr(0, end));
      buf_.erase(0, end + 4);
      if (r.status >= 200) return r;  // 1xx: interim, the real response follows (RFC 9110 15.2)
    }
  }

  static HttpResponse parse_head(std::string_view head) {
    HttpResponse r;
    const std::size_t eol = head.find("\r\n");
    const std::string_view status_line = head.substr(0, eol);
    if (status_line.substr(0, 7) != "HTTP/1." || status_line.size() < 12) {
      fail("bad HTTP status line: " + excerpt(status_line));
    }
    r.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    r.keep_alive = status_line.substr(5, 3) == "1.1";
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    while (!head.empty()) {
      const std::size_t next = head.find("\r\n");
      const std::string_view line = head.substr(0, next);
      head.remove_prefix(next == std::string_view::npos ? head.size() : next + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) fail("bad HTTP header line: " + excerpt(line));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      r.headers.emplace_back(lower(line.substr(0, colon)), std::string(value));
    }
    if (const std::string* c = r.header("connection")) {
      const std::string v = lower(*c);
      if (v.find("close") != std::string::npos) r.keep_alive = false;
      if (v.find("keep-alive") != std::string::npos) r.keep_alive = true;
    }
    return r;
  }

  // RFC 9112 section 6.3: chunked, else Content-Length, else (no body status) empty, else the
  // body runs to the connection's end.
  void read_body(HttpResponse& r, long id, std::int64_t deadline_ns) {
    const std::string* te = r.header("transfer-encoding");
    const std::string* cl = r.header("content-length");
    const std::string* ct = r.header("content-type");
    const bool sse = ct != nullptr && lower(*ct).find("text/event-stream") != std::string::npos;
    std::size_t sse_from = 0;
    auto on_data = [&] {
      if (!sse || id < 0 || !r.answer.empty()) return;
      if (auto a = find_sse_answer(r.body, id, sse_from)) {
        r.answer = std::move(*a);
        r.answer_ns = now_ns();
      }
    };
    if (te != nullptr && lower(*te).find("chunked") != std::string::npos) {
      read_chunked(r.body, on_data, deadline_ns);
    } else if (cl != nullptr) {
      const std::size_t length = std::strtoull(cl->c_str(), nullptr, 10);
      while (buf_.size() < length) fill(deadline_ns, "in the middle of the body");
      r.body = buf_.substr(0, length);
      buf_.erase(0, length);
      on_data();
    } else if (r.status == 204 || r.status == 304) {
    } else {
      r.body = std::move(buf_);
      buf_.clear();
      on_data();
      while (read_some(sock_.get(), r.body, deadline_ns, "reading a body up to close")) on_data();
      r.keep_alive = false;
    }
    if (r.answer.empty() && !sse) {
      r.answer = r.body;
      r.answer_ns = now_ns();
    }
    if (id >= 0 && r.status == 200 && r.answer.empty()) {
      fail("no JSON-RPC response to id " + std::to_string(id) +
           " in the event stream: " + excerpt(r.body));
    }
  }

  template <typename OnData>
  void read_chunked(std::string& body, OnData on_data, std::int64_t deadline_ns) {
    for (;;) {
      std::size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) fill(deadline_ns, "in a chunk size");
      char* end = nullptr;
      const std::size_t size = std::strtoull(buf_.c_str(), &end, 16);
      if (end == buf_.c_str()) fail("bad chunk size line: " + excerpt(buf_.substr(0, eol)));
      buf_.erase(0, eol + 2);
      if (size == 0) break;
      while (buf_.size() < size + 2) fill(deadline_ns, "in a chunk");
      if (buf_.compare(size, 2, "\r\n") != 0) fail("chunk not followed by CRLF");
      body.append(buf_, 0, size);
      buf_.erase(0, size + 2);
      on_data();
    }
    // Trailer fields, then the blank line that ends the message (RFC 9112 section 7.1.2).
    for (;;) {
      std::size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) fill(deadline_ns, "in the trailer");
      buf_.erase(0, eol + 2);
      if (eol == 0) return;
    }
  }

  Url url_;
  UniqueFd sock_;
  std::string buf_;
  std::string session_id_;
  std::string version_;
  int connections_ = 0;
};

Measurement run_http(const Url& url, const std::string& tool, int calls, int warmup) {
  HttpClient client(url);
  long id = 1;
  std::int64_t deadline_ns = now_ns() + call_timeout_ns;
  const HttpResponse init = client.post(initialize_request(id), id, deadline_ns);
  ++id;
  if (init.status != 200)
    fail("initialize: HTTP " + std::to_string(init.status) + ": " + excerpt(init.body));
  if (!member_value(init.answer, "result")) fail("initialize failed: " + excerpt(init.answer));
  const std::string* session = init.header("mcp-session-id");
  std::string version = string_value(init.answer, "protocolVersion");
  client.set_session(session != nullptr ? *session : std::string{},
                     version.empty() ? protocol_version : version);
  const HttpResponse n = client.post(initialized_notification, -1, deadline_ns);
  if (n.status != 202 && n.status != 200) {
    fail("notifications/initialized: HTTP " + std::to_string(n.status) + ": " + excerpt(n.body));
  }

  Measurement m;
  m.latencies_us.reserve(static_cast<std::size_t>(calls));
  CpuSnapshot cpu_before;
  for (int i = 0; i < warmup + calls; ++i) {
    if (i == warmup) cpu_before = cpu_snapshot(-1);
    const std::string text = "raw-" + std::to_string(i);
    const std::string request = client.post_request(call_request(id, tool, text));
    const std::int64_t t0 = now_ns();
    deadline_ns = t0 + call_timeout_ns;
    const HttpResponse r = client.exchange(request, id++, deadline_ns);
    if (r.status != 200)
      fail("tools/call: HTTP " + std::to_string(r.status) + ": " + excerpt(r.body));
    check_echo(r.answer, text);
    if (i >= warmup) m.latencies_us.push_back(static_cast<double>(r.answer_ns - t0) / 1000.0);
  }
  m.record_cpu(cpu_before, cpu_snapshot(-1));
  m.tcp_connections = client.connections();
  client.delete_session();
  return m;
}

// ---- command line and report ----

struct Options {
  std::string mode;
  int calls = 2000;
  int warmup = 200;
  std::string url;
  std::string tool = "t0__echo";
  std::vector<std::string> command;
};

constexpr const char* usage =
    "usage: mcp-raw-latency stdio [--calls N] [--warmup W] -- CMD ARGS...\n"
    "       mcp-raw-latency http --url http://HOST:PORT/mcp [--tool NAME] [--calls N] [--warmup "
    "W]\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int count_arg(const char* name, const char* value) {
  char* end = nullptr;
  const long v = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || v < 0 || v > 100'000'000) {
    throw UsageError(std::string(name) + " must be a non-negative integer, got " + value);
  }
  return static_cast<int>(v);
}

Options parse_options(int argc, char** argv) {
  if (argc < 2) throw UsageError("missing mode");
  Options o;
  o.mode = argv[1];
  if (o.mode != "stdio" && o.mode != "http") throw UsageError("unknown mode " + o.mode);
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") {
      o.command.assign(argv + i + 1, argv + argc);
      break;
    }
    if (i + 1 >= argc) throw UsageError("missing value after " + std::string(a));
    const char* v = argv[++i];
    if (a == "--calls") {
      o.calls = count_arg("--calls", v);
    } else if (a == "--warmup") {
      o.warmup = count_arg("--warmup", v);
    } else if (a == "--url") {
      o.url = v;
    } else if (a == "--tool") {
      o.tool = v;
    } else {
      throw UsageError("unknown option " + std::string(a));
    }
  }
  if (o.calls < 1) throw UsageError("--calls must be at least 1");
  if (o.mode == "stdio" && o.command.empty()) throw UsageError("stdio needs -- CMD ARGS...");
  if (o.mode == "http" && o.url.empty()) throw UsageError("http needs --url");
  return o;
}

// Nearest-rank percentile, as bench/lib/stats.mjs computes it.
double percentile(const std::vector<double>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p / 100.0 * n)));
  return sorted[std::min(rank, sorted.size()) - 1];
}

void print_report(const Options& o, Measurement m) {
  std::vector<double>& us = m.latencies_us;
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (const double v : us) sum += v;
  std::printf(
      "{\"mode\":\"%s\",\"calls\":%zu,\"warmup\":%d,\"p50_us\":%.1f,\"p90_us\":%.1f,"
      "\"p99_us\":%.1f,\"mean_us\":%.1f,\"min_us\":%.1f,\"max_us\":%.1f,"
      "\"client_cpu_us_per_call\":%.1f",
      o.mode.c_str(), us.size(), o.warmup, percentile(us, 50), percentile(us, 90),
      percentile(us, 99), sum / static_cast<double>(us.size()), us.front(), us.back(),
      m.client_cpu_us_per_call);
  if (m.backend_cpu_us_per_call >= 0) {
    std::printf(",\"backend_cpu_us_per_call\":%.1f", m.backend_cpu_us_per_call);
  }
  if (o.mode == "http") std::printf(",\"tcp_connections\":%d", m.tcp_connections);
  std::printf("}\n");
}

}  // namespace

int main(int argc, char** argv) {
  // A backend or server that goes away must be a clear error from write(), not a silent death.
  ::signal(SIGPIPE, SIG_IGN);
  Options o;
  try {
    o = parse_options(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "mcp-raw-latency: %s\n%s", e.what(), usage);
    return 2;
  }
  try {
    print_report(o, o.mode == "stdio" ? run_stdio(o.command, o.calls, o.warmup)
                                      : run_http(parse_url(o.url), o.tool, o.calls, o.warmup));
    return 0;
  } catch (const Failure& e) {
    std::fprintf(stderr, "mcp-raw-latency %s: %s\n", o.mode.c_str(), e.what());
    return 1;
  }
}
