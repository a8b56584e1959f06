#pragma once
// CPU seconds and peak RSS for the benchmarks, from getrusage (this process) or wait4 (a child).

#include <sys/resource.h>

namespace casio::bench {

inline double seconds(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

// User plus system CPU time in `u`.
inline double cpu_seconds(const rusage& u) {
    return seconds(u.ru_utime) + seconds(u.ru_stime);
}

// This process's CPU time so far.
inline double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return cpu_seconds(u);
}

inline double peak_rss_mb(const rusage& u) {
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace casio::bench
