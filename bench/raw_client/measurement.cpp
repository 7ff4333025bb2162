#include "measurement.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "mcp_text.hpp"

namespace raw_client {

namespace {

std::int64_t timeval_us(const timeval& tv) {
  return std::int64_t{tv.tv_sec} * 1'000'000 + tv.tv_usec;
}

// utime + stime of another process (proc(5), /proc/PID/stat fields 14 and 15), in µs.
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

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p / 100.0 * n)));
  return sorted[std::min(rank, sorted.size()) - 1];
}

// "%.1f", or null without samples.
std::string number(const std::vector<double>& us, double value) {
  if (us.empty()) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
}

}  // namespace

CpuSnapshot cpu_snapshot(const std::vector<pid_t>& backends) {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  CpuSnapshot s{timeval_us(ru.ru_utime) + timeval_us(ru.ru_stime), backends.empty() ? -1 : 0};
  for (const pid_t pid : backends) {
    const std::int64_t us = process_cpu_us(pid);
    if (us < 0 || s.backends_us < 0) {
      s.backends_us = -1;
    } else {
      s.backends_us += us;
    }
  }
  return s;
}

void Measurement::record_cpu(const CpuSnapshot& before, const CpuSnapshot& after, long calls) {
  if (calls <= 0) return;
  const auto n = static_cast<double>(calls);
  client_cpu_us_per_call = static_cast<double>(after.self_us - before.self_us) / n;
  if (before.backends_us >= 0 && after.backends_us >= 0) {
    backend_cpu_us_per_call = static_cast<double>(after.backends_us - before.backends_us) / n;
  }
}

void print_report(Measurement m) {
  std::vector<double>& us = m.latencies_us;
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (const double v : us) sum += v;
  const double mean = us.empty() ? 0 : sum / static_cast<double>(us.size());
  const auto pct = [&](double p) { return number(us, us.empty() ? 0 : percentile(us, p)); };
  if (m.sessions == 0) {
    std::printf(
        "{\"mode\":\"%s\",\"calls\":%zu,\"warmup\":%d,\"p50_us\":%s,\"p90_us\":%s,"
        "\"p99_us\":%s,\"mean_us\":%s,\"min_us\":%s,\"max_us\":%s,"
        "\"client_cpu_us_per_call\":%.1f",
        m.mode.c_str(), us.size(), m.warmup, pct(50).c_str(), pct(90).c_str(), pct(99).c_str(),
        number(us, mean).c_str(), number(us, us.empty() ? 0 : us.front()).c_str(),
        number(us, us.empty() ? 0 : us.back()).c_str(), m.client_cpu_us_per_call);
  } else {
    const double per_s = m.elapsed_s > 0 ? static_cast<double>(us.size()) / m.elapsed_s : 0;
    std::printf(
        "{\"mode\":\"%s\",\"sessions\":%d,\"duration_s\":%.3g,\"calls\":%zu,"
        "\"calls_per_s\":%.0f,\"p50_us\":%s,\"p99_us\":%s,\"errors\":%ld,"
        "\"client_cpu_us_per_call\":%.1f,\"warmup\":%d,\"elapsed_s\":%.3f,\"p90_us\":%s,"
        "\"mean_us\":%s,\"max_us\":%s,\"wrong_answers\":%ld",
        m.mode.c_str(), m.sessions, m.duration_s, us.size(), per_s, pct(50).c_str(),
        pct(99).c_str(), m.errors, m.client_cpu_us_per_call, m.warmup, m.elapsed_s, pct(90).c_str(),
        number(us, mean).c_str(), number(us, us.empty() ? 0 : us.back()).c_str(), m.wrong_answers);
  }
  if (m.backend_cpu_us_per_call >= 0) {
    std::printf(",\"backend_cpu_us_per_call\":%.1f", m.backend_cpu_us_per_call);
  }
  if (m.tcp_connections >= 0) std::printf(",\"tcp_connections\":%d", m.tcp_connections);
  if (!m.first_error.empty()) {
    std::printf(",\"first_error\":\"%s\"", json_escape(m.first_error).c_str());
  }
  std::printf("}\n");
}

}  // namespace raw_client
