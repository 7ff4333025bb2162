// The two kinds of run: sequential calls on one session (latency), and N sessions calling
// back-to-back until a deadline (throughput).
#pragma once

#include <functional>
#include <memory>

#include "measurement.hpp"
#include "session.hpp"

namespace raw_client {

// Creates (and so starts) session `index`; may throw Failure.
using SessionFactory = std::function<std::unique_ptr<Session>(int index)>;

// `warmup` then `calls` sequential echo calls on one session; any failure ends the run
// (Failure).
Measurement measure_latency(const SessionFactory& make_session, int calls, int warmup);

// `sessions` sessions, `warmup` calls each, then every session calls back-to-back for
// `duration_s`; calls in flight at the deadline are waited for (and counted). Failed and wrong
// calls are counted, not fatal; a session stops after 20 of them (as bench/peers.mjs's SDK
// sessions do). Failing to start a session ends the run (Failure).
Measurement measure_throughput(const SessionFactory& make_session, int sessions, double duration_s,
                               int warmup);

}  // namespace raw_client
