#pragma once
// Process-wide metrics in the Prometheus text exposition format (version 0.0.4): counters,
// gauges and histograms with labels, kept in atomics so that updating one costs a relaxed
// atomic add, plus collectors that compute samples when the metrics are read (a job's totals
// are read from the job's own counters, so the two never disagree).
//
// A series is created on first use and lives as long as the process; callers keep the
// reference (metrics::counter& c = metrics::global().counter_of(...)) instead of looking it up
// for every event. Reading the metrics (render()) and adding series are thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace casio::core::metrics {

// Label name/value pairs, in the order they are written.
using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
  public:
    void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
  public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(double d) noexcept {
        double cur = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
        }
    }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0};
};

// Cumulative buckets by upper bound (seconds, bytes, ...); +Inf is implied.
class histogram {
  public:
    explicit histogram(std::vector<double> bounds);
    void observe(double v) noexcept;

    const std::vector<double>& bounds() const noexcept { return bounds_; }
    // Observations <= bounds()[i] (cumulative), then the count of all of them.
    std::vector<std::uint64_t> cumulative_counts() const;
    std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
    double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

  private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // not cumulative
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

// What a collector writes into, at render time.
class sample_sink {
  public:
    virtual ~sample_sink() = default;
    virtual void counter(std::string_view name, std::string_view help, const labels& l,
                         double value) = 0;
    virtual void gauge(std::string_view name, std::string_view help, const labels& l,
                       double value) = 0;
};

class registry {
  public:
    counter& counter_of(std::string_view name, std::string_view help, const labels& l = {});
    gauge& gauge_of(std::string_view name, std::string_view help, const labels& l = {});
    histogram& histogram_of(std::string_view name, std::string_view help,
                            const std::vector<double>& bounds, const labels& l = {});

    // A collector is called by render(), under the registry's lock: it must not add series
    // nor collectors. Returns an id for remove_collector().
    using collector = std::function<void(sample_sink&)>;
    std::uint64_t add_collector(collector c);
    void remove_collector(std::uint64_t id);

    // Every family once, with # HELP and # TYPE, its samples together, families by name.
    std::string render() const;

    void clear();  // for tests

  private:
    struct family {
        std::string type;  // "counter", "gauge", "histogram"
        std::string help;
        std::map<labels, std::unique_ptr<counter>> counters;
        std::map<labels, std::unique_ptr<gauge>> gauges;
        std::map<labels, std::unique_ptr<histogram>> histograms;
    };
    family& family_of(std::string_view name, std::string_view help, std::string_view type);

    mutable std::mutex mutex_;
    std::map<std::string, family, std::less<>> families_;
    std::map<std::uint64_t, collector> collectors_;
    std::uint64_t next_collector_ = 1;
};

// The process's registry (what GET /metrics shows).
registry& global();

// `value` as the exposition format writes a sample value or a `le` bound (integers without a
// decimal point, +Inf, NaN).
std::string format_value(double value);
// A label value escaped for the exposition format (backslash, double quote, newline).
std::string escape_label_value(std::string_view value);

// The Content-Type of render()'s text.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace casio::core::metrics
