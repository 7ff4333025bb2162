// What a run measured, the CPU accounting behind it, and the one JSON line that reports it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace raw_client {

// CPU time used so far by this process (getrusage: µs resolution) and by the stdio backends
// (/proc/PID/stat: clock ticks, so only meaningful over many calls; -1 if unknown).
struct CpuSnapshot {
  std::int64_t self_us = 0;
  std::int64_t backends_us = -1;
};

CpuSnapshot cpu_snapshot(const std::vector<pid_t>& backends);

struct Measurement {
  std::string mode;
  int warmup = 0;                    // per session
  std::vector<double> latencies_us;  // of the measured calls that succeeded
  double client_cpu_us_per_call = 0;
  double backend_cpu_us_per_call = -1;  // stdio only; -1 when unknown
  int tcp_connections = -1;             // http and sse only

  // Throughput runs only.
  int sessions = 0;  // 0: a latency run
  double duration_s = 0;
  double elapsed_s = 0;  // from the start to the last call's end
  long errors = 0;       // failed calls, warm-up included
  long wrong_answers = 0;
  std::string first_error;

  // Per measured call (successful or not), from two snapshots around the measured calls.
  void record_cpu(const CpuSnapshot& before, const CpuSnapshot& after, long calls);
};

// Prints the report on stdout, one JSON line:
//   latency:    {"mode","calls","warmup","p50_us","p90_us","p99_us","mean_us","min_us",
//                "max_us","client_cpu_us_per_call"[,"backend_cpu_us_per_call"]
//                [,"tcp_connections"]}
//   throughput: {"mode","sessions","duration_s","calls","calls_per_s","p50_us","p99_us",
//                "errors","client_cpu_us_per_call","warmup","elapsed_s","p90_us","mean_us",
//                "max_us","wrong_answers"[,"backend_cpu_us_per_call"][,"tcp_connections"]
//                [,"first_error"]}
// Percentiles are nearest-rank, as bench/lib/stats.mjs computes them; null without samples.
void print_report(Measurement m);

}  // namespace raw_client
