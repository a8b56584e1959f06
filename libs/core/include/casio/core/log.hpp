#pragma once
// Process-wide logging: plain text or ECS JSON lines (what Filebeat expects), one line per call,
// with secrets redacted from every line whatever the caller passed in. Thread-safe. A disabled
// level costs one relaxed atomic load: the message is not even formatted.
//
// Inside namespace casio::<lib> write core::log::info(...). Do not declare a global alias named
// `log`: it collides with ::log from <cmath>; use another name (e.g. namespace lg = ...).

#include <atomic>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace casio::core::log {

enum class level { debug, info, warning, error, critical };
enum class format { text, ecs_json };

std::string_view to_string(level l) noexcept;  // "debug", "info", ...
// Accepts any case ("INFO", "info", "Warning", "warn"); nullopt for anything else.
std::optional<level> parse_level(std::string_view text);

void set_level(level l) noexcept;
level get_level() noexcept;
void set_format(format f) noexcept;

// Names reported in ECS lines (service.name, service.version, process.name).
void set_service(std::string name, std::string version);

// Receives each finished line without its trailing newline. An empty function restores the
// default: write to stderr. The sink is called under the logger's lock: it must not log.
using sink = std::function<void(std::string_view line)>;
void set_sink(sink s);

// Every later line (and every redact() result) shows `<redacted>` in place of this exact value;
// a value shorter than 8 characters only where it stands alone (not inside a longer word, so
// that `x` does not turn "index" into "inde<redacted>"). Empty values are ignored.
// Registering the same value twice is harmless.
void register_secret(std::string_view secret);
void clear_secrets();  // for tests

// Applies the registered secrets and the built-in patterns (Authorization headers, bearer and
// ApiKey tokens, password/client_secret/api_key/token values in JSON, YAML, query strings, and
// passwords in URLs). Use it for error messages that may carry peer text.
std::string redact(std::string_view text);

// The job a line belongs to, written as ECS `labels.*` fields of the JSON format (the text
// format is unchanged). Set for the current thread by a scoped_labels; coroutines of a job get
// them through a labelled executor (core/labelled_executor.hpp), so that every line logged
// while one of the job's handlers runs carries them, whichever library writes it.
struct labels {
    std::string connector_id;
    std::string sync_job_id;
    std::string index_name;
};

// While it lives, lines written by this thread carry `l` (nullptr: none). Nests.
class scoped_labels {
  public:
    explicit scoped_labels(const labels* l) noexcept;
    ~scoped_labels();
    scoped_labels(const scoped_labels&) = delete;
    scoped_labels& operator=(const scoped_labels&) = delete;

  private:
    const labels* previous_;
};
const labels* current_labels() noexcept;

namespace detail {
extern std::atomic<int> min_level;  // set through set_level()
}  // namespace detail

inline bool enabled(level l) noexcept {
    return static_cast<int>(l) >= detail::min_level.load(std::memory_order_relaxed);
}
void write(level l, std::string_view message);

namespace detail {
template <class... Args>
std::string concat(const Args&... args) {
    if constexpr (sizeof...(Args) == 1 && (std::is_convertible_v<Args, std::string_view> && ...)) {
        return std::string(std::string_view(args...));
    } else {
        std::ostringstream out;
        (out << ... << args);
        return std::move(out).str();
    }
}
}  // namespace detail

// log::info("synced ", n, " documents of ", id): pieces are streamed together only when the
// level is enabled.
template <class... Args>
void debug(const Args&... args) {
    if (enabled(level::debug)) {
        write(level::debug, detail::concat(args...));
    }
}
template <class... Args>
void info(const Args&... args) {
    if (enabled(level::info)) {
        write(level::info, detail::concat(args...));
    }
}
template <class... Args>
void warning(const Args&... args) {
    if (enabled(level::warning)) {
        write(level::warning, detail::concat(args...));
    }
}
template <class... Args>
void error(const Args&... args) {
    if (enabled(level::error)) {
        write(level::error, detail::concat(args...));
    }
}
template <class... Args>
void critical(const Args&... args) {
    if (enabled(level::critical)) {
        write(level::critical, detail::concat(args...));
    }
}

}  // namespace casio::core::log
