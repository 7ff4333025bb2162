#include "runs.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "fd_io.hpp"
#include "session_loop.hpp"

namespace raw_client {

namespace {

constexpr std::int64_t start_timeout_ns = 30'000'000'000;
constexpr std::int64_t close_timeout_ns = 6'000'000'000;
constexpr long max_errors_per_session = 20;
constexpr std::int64_t no_deadline = std::numeric_limits<std::int64_t>::max();

Sessions start_sessions(const SessionFactory& make_session, int n) {
  Sessions sessions;
  for (int i = 0; i < n; ++i) sessions.push_back(make_session(i));
  SessionLoop(sessions).await_started(now_ns() + start_timeout_ns);
  return sessions;
}

std::vector<pid_t> backend_pids(const Sessions& sessions) {
  std::vector<pid_t> pids;
  for (const auto& s : sessions) {
    if (s->backend_pid() > 0) pids.push_back(s->backend_pid());
  }
  return pids;
}

int tcp_connections(const Sessions& sessions) {
  int n = 0;
  for (const auto& s : sessions) n += s->tcp_connections();
  return n;
}

// Per session: the calls made so far (for unique texts) and the failures.
struct SessionTally {
  long calls = 0;
  long errors = 0;
};

}  // namespace

Measurement measure_latency(const SessionFactory& make_session, int calls, int warmup) {
  Sessions sessions = start_sessions(make_session, 1);
  SessionLoop loop(sessions);
  Session& s = *sessions.front();
  const std::vector<pid_t> backends = backend_pids(sessions);
  Measurement m;
  m.warmup = warmup;
  m.latencies_us.reserve(static_cast<std::size_t>(calls));
  CpuSnapshot cpu_before;
  for (int i = 0; i < warmup + calls; ++i) {
    if (i == warmup) cpu_before = cpu_snapshot(backends);
    s.start_call("raw-" + std::to_string(i));
    std::optional<CallResult> r;
    while (!(r = s.take_result())) loop.run_once(no_deadline);
    if (r->kind != CallResult::Kind::ok) fail(r->error);
    if (i >= warmup) m.latencies_us.push_back(static_cast<double>(r->latency_ns) / 1000.0);
  }
  m.record_cpu(cpu_before, cpu_snapshot(backends), calls);
  if (s.backend_pid() < 0) m.tcp_connections = tcp_connections(sessions);
  loop.close_all(now_ns() + close_timeout_ns);
  return m;
}

Measurement measure_throughput(const SessionFactory& make_session, int sessions_wanted,
                               double duration_s, int warmup) {
  Sessions sessions = start_sessions(make_session, sessions_wanted);
  SessionLoop loop(sessions);
  const std::vector<pid_t> backends = backend_pids(sessions);
  std::vector<SessionTally> tally(sessions.size());
  Measurement m;
  m.sessions = sessions_wanted;
  m.duration_s = duration_s;
  m.warmup = warmup;

  const auto start_call = [&](std::size_t i) {
    sessions[i]->start_call("s" + std::to_string(i) + "-" + std::to_string(tally[i].calls++));
  };
  const auto count_error = [&](std::size_t i, const CallResult& r) {
    ++m.errors;
    ++tally[i].errors;
    if (r.kind == CallResult::Kind::wrong_answer) ++m.wrong_answers;
    if (m.first_error.empty()) m.first_error = "session " + std::to_string(i) + ": " + r.error;
  };
  const auto can_call = [&](std::size_t i) {
    return sessions[i]->state() == Session::State::idle && tally[i].errors < max_errors_per_session;
  };

  // Starts a call on every session that may, starts the next one on a session each time it is
  // answered and still may, and returns once no call is in flight; on_result sees each answer.
  const auto drive = [&](const auto& may_start, const auto& on_result) {
    std::size_t in_flight = 0;
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      if (may_start(i)) {
        start_call(i);
        ++in_flight;
      }
    }
    while (in_flight > 0) {
      loop.run_once(no_deadline);
      for (std::size_t i = 0; i < sessions.size(); ++i) {
        const auto r = sessions[i]->take_result();
        if (!r) continue;
        --in_flight;
        on_result(i, *r);
        if (may_start(i)) {
          start_call(i);
          ++in_flight;
        }
      }
    }
  };

  // Warm-up: connection set-up and first-call costs stay out of the timed window.
  std::vector<int> warmups_left(sessions.size(), warmup);
  drive([&](std::size_t i) { return warmups_left[i]-- > 0 && can_call(i); },
        [&](std::size_t i, const CallResult& r) {
          if (r.kind != CallResult::Kind::ok) count_error(i, r);
        });

  long finished = 0;  // measured calls, successful or not
  const std::int64_t start_ns = now_ns();
  const std::int64_t end_ns = start_ns + static_cast<std::int64_t>(duration_s * 1e9);
  const CpuSnapshot cpu_before = cpu_snapshot(backends);
  drive([&](std::size_t i) { return now_ns() < end_ns && can_call(i); },
        [&](std::size_t i, const CallResult& r) {
          ++finished;
          if (r.kind == CallResult::Kind::ok) {
            m.latencies_us.push_back(static_cast<double>(r.latency_ns) / 1000.0);
          } else {
            count_error(i, r);
          }
        });
  m.elapsed_s = static_cast<double>(now_ns() - start_ns) / 1e9;
  m.record_cpu(cpu_before, cpu_snapshot(backends), finished);
  if (backends.empty()) m.tcp_connections = tcp_connections(sessions);
  loop.close_all(now_ns() + close_timeout_ns);
  return m;
}

}  // namespace raw_client
