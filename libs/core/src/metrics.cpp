#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <casio/core/metrics.hpp>

namespace casio::core::metrics {

namespace {

void add_double(std::atomic<double>& a, double d) noexcept {
    double cur = a.load(std::memory_order_relaxed);
    while (!a.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
    }
}

void append_labels(std::string& out, const labels& l, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
    if (l.empty() && extra_name.empty()) {
        return;
    }
    out += '{';
    bool first = true;
    for (const auto& [name, value] : l) {
        out += first ? "" : ",";
        first = false;
        out += name;
        out += "=\"";
        out += escape_label_value(value);
        out += '"';
    }
    if (!extra_name.empty()) {
        out += first ? "" : ",";
        out += extra_name;
        out += "=\"";
        out += extra_value;
        out += '"';
    }
    out += '}';
}

// HELP text escapes backslash and newline only.
std::string escape_help(std::string_view help) {
    std::string out;
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// The samples of one family at render time: the registry's series and the collectors'.
struct rendered_family {
    std::string type;
    std::string help;
    std::string samples;
};

class collecting_sink final : public sample_sink {
  public:
    explicit collecting_sink(std::map<std::string, rendered_family, std::less<>>& out)
        : out_(out) {}
    void counter(std::string_view name, std::string_view help, const labels& l,
                 double value) override {
        add(name, help, "counter", l, value);
    }
    void gauge(std::string_view name, std::string_view help, const labels& l,
               double value) override {
        add(name, help, "gauge", l, value);
    }

  private:
    void add(std::string_view name, std::string_view help, std::string_view type, const labels& l,
             double value) {
        auto& f = out_[std::string(name)];
        if (f.type.empty()) {
            f.type = type;
            f.help = help;
        }
        f.samples += name;
        append_labels(f.samples, l);
        f.samples += ' ';
        f.samples += format_value(value);
        f.samples += '\n';
    }
    std::map<std::string, rendered_family, std::less<>>& out_;
};

}  // namespace

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
    std::sort(bounds_.begin(), bounds_.end());
    buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        buckets_[i].store(0, std::memory_order_relaxed);
    }
}

void histogram::observe(double v) noexcept {
    const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
    buckets_[static_cast<std::size_t>(at)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    add_double(sum_, v);
}

std::vector<std::uint64_t> histogram::cumulative_counts() const {
    std::vector<std::uint64_t> out;
    out.reserve(bounds_.size() + 1);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        total += buckets_[i].load(std::memory_order_relaxed);
        out.push_back(total);
    }
    return out;
}

registry::family& registry::family_of(std::string_view name, std::string_view help,
                                      std::string_view type) {
    auto it = families_.find(name);
    if (it == families_.end()) {
        it = families_.emplace(std::string(name), family{}).first;
        it->second.type = type;
        it->second.help = help;
    } else if (it->second.type != type) {
        throw std::logic_error("metric " + std::string(name) + " is a " + it->second.type +
                               ", not a " + std::string(type));
    }
    return it->second;
}

counter& registry::counter_of(std::string_view name, std::string_view help, const labels& l) {
    std::lock_guard lock(mutex_);
    auto& slot = family_of(name, help, "counter").counters[l];
    if (!slot) {
        slot = std::make_unique<counter>();
    }
    return *slot;
}

gauge& registry::gauge_of(std::string_view name, std::string_view help, const labels& l) {
    std::lock_guard lock(mutex_);
    auto& slot = family_of(name, help, "gauge").gauges[l];
    if (!slot) {
        slot = std::make_unique<gauge>();
    }
    return *slot;
}

histogram& registry::histogram_of(std::string_view name, std::string_view help,
                                  const std::vector<double>& bounds, const labels& l) {
    std::lock_guard lock(mutex_);
    auto& slot = family_of(name, help, "histogram").histograms[l];
    if (!slot) {
        slot = std::make_unique<histogram>(bounds);
    }
    return *slot;
}

std::uint64_t registry::add_collector(collector c) {
    std::lock_guard lock(mutex_);
    const auto id = next_collector_++;
    collectors_.emplace(id, std::move(c));
    return id;
}

void registry::remove_collector(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    collectors_.erase(id);
}

void registry::clear() {
    std::lock_guard lock(mutex_);
    families_.clear();
    collectors_.clear();
}

std::string registry::render() const {
    std::map<std::string, rendered_family, std::less<>> out;
    std::lock_guard lock(mutex_);
    for (const auto& [name, f] : families_) {
        auto& r = out[name];
        r.type = f.type;
        r.help = f.help;
        for (const auto& [l, c] : f.counters) {
            r.samples += name;
            append_labels(r.samples, l);
            r.samples += ' ' + std::to_string(c->value()) + '\n';
        }
        for (const auto& [l, g] : f.gauges) {
            r.samples += name;
            append_labels(r.samples, l);
            r.samples += ' ' + format_value(g->value()) + '\n';
        }
        for (const auto& [l, h] : f.histograms) {
            const auto counts = h->cumulative_counts();
            for (std::size_t i = 0; i < counts.size(); ++i) {
                r.samples += name + "_bucket";
                const std::string le =
                    i < h->bounds().size() ? format_value(h->bounds()[i]) : std::string("+Inf");
                append_labels(r.samples, l, "le", le);
                r.samples += ' ' + std::to_string(counts[i]) + '\n';
            }
            r.samples += name + "_sum";
            append_labels(r.samples, l);
            r.samples += ' ' + format_value(h->sum()) + '\n';
            r.samples += name + "_count";
            append_labels(r.samples, l);
            r.samples += ' ' + std::to_string(counts.back()) + '\n';
        }
    }
    collecting_sink sink(out);
    for (const auto& [id, c] : collectors_) {
        c(sink);
    }
    std::string text;
    for (const auto& [name, f] : out) {
        if (f.samples.empty()) {
            continue;
        }
        text += "# HELP " + name + ' ' + escape_help(f.help) + '\n';
        text += "# TYPE " + name + ' ' + f.type + '\n';
        text += f.samples;
    }
    return text;
}

registry& global() {
    static registry r;
    return r;
}

std::string format_value(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        return std::to_string(static_cast<long long>(value));
    }
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;  // shortest exact form
    return std::string(buf, end);
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace casio::core::metrics
