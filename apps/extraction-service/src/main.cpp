// extraction-service: text extraction over HTTP, speaking the API of Elastic's data extraction
// service as its clients (the Python connectors service, connectors-asio) use it:
//
//   PUT /extract_text/                        the file's bytes as the body
//   PUT /extract_text/?local_file_path=PATH   a file under --shared-volume-dir
//   -> 200 {"extracted_text": "..."}
//   -> 422 {"error": "extraction_failed", "message": "the pdf file: encrypted PDF (password
//           required)"}                        a file that cannot be read (corrupt, encrypted)
//   -> 400/404/413 {"error": ..., "message": ...}  a bad request
//
// The format is found from the content (the clients send no file name). Parsing runs on a pool
// of worker threads; the server's own thread keeps answering.

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <casio/core/text.hpp>
#include <casio/core/worker_pool.hpp>
#include <casio/extract/extract.hpp>
#include <casio/http/server.hpp>

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using casio::http::server_request;
using casio::http::server_response;

constexpr std::string_view usage_text =
    "usage: extraction-service [--host 127.0.0.1] [--port 8090] [--workers N]\n"
    "         [--shared-volume-dir /app/files] [--max-file-size-mb 100]\n"
    "         [--max-text-size BYTES] [--timeout SECONDS]\n";

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "extraction-service: " << message << "\n" << usage_text;
    std::exit(2);
}

std::uint64_t number(std::string_view flag, std::string_view v) {
    const auto n = casio::core::parse_number<std::uint64_t>(v);
    if (!n) {
        usage_error("invalid value for " + std::string(flag) + ": '" + std::string(v) + "'");
    }
    return *n;
}

server_response answer(unsigned status, boost::json::object body) {
    server_response r;
    r.status = status;
    r.fields.push_back({"Content-Type", "application/json"});
    r.body = boost::json::serialize(body);
    return r;
}

server_response failure(unsigned status, std::string_view error, std::string_view message) {
    return answer(status, {{"error", error}, {"message", message}});
}

struct options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8090;
    std::size_t workers = 0;
    fs::path shared_volume_dir = "/app/files";
    std::uint64_t max_file_size = std::uint64_t{100} << 20;
    casio::extract::limits limits;
};

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << usage_text;
            std::exit(0);
        }
        if (i + 1 >= argc) {
            usage_error("missing value for " + std::string(a));
        }
        const std::string_view v = argv[++i];
        if (a == "--host") {
            o.host = v;
        } else if (a == "--port") {
            const auto p = number(a, v);
            if (p > 65535) {
                usage_error("invalid --port " + std::string(v));
            }
            o.port = static_cast<std::uint16_t>(p);
        } else if (a == "--workers") {
            o.workers = number(a, v);
        } else if (a == "--shared-volume-dir") {
            o.shared_volume_dir = v;
        } else if (a == "--max-file-size-mb") {
            o.max_file_size = number(a, v) << 20;
        } else if (a == "--max-text-size") {
            o.limits.max_output_chars = number(a, v);
        } else if (a == "--timeout") {
            o.limits.max_time = std::chrono::seconds(number(a, v));
        } else {
            usage_error("unknown flag " + std::string(a));
        }
    }
    o.limits.max_input_bytes = o.max_file_size;
    return o;
}

// A path under the shared volume, or nullopt (outside it, or missing).
std::optional<fs::path> shared_file(const options& o, std::string_view asked) {
    std::error_code ec;
    const auto root = fs::weakly_canonical(o.shared_volume_dir, ec);
    const auto file = fs::weakly_canonical(fs::path(asked), ec);
    if (ec || !fs::is_regular_file(file, ec)) {
        return std::nullopt;
    }
    const auto rel = file.lexically_relative(root);
    if (rel.empty() || rel.begin()->string() == "..") {
        return std::nullopt;
    }
    return file;
}

// How a file is named in an error message: the clients send no name, so its format as found
// ("the docx file: zip bomb?: ..."), which is what a user reading the message needs.
std::string shown(casio::extract::format f) {
    return "the " + std::string(casio::extract::to_string(f)) + " file";
}

class extraction_handler {
  public:
    explicit extraction_handler(const options& o) : opts_(o), pool_(o.workers) {}

    asio::awaitable<server_response> operator()(server_request& req) {
        if (req.path != "/extract_text/" && req.path != "/extract_text") {
            co_return failure(404, "not_found", "no such endpoint: " + req.path);
        }
        if (req.method != "PUT" && req.method != "POST") {
            co_return failure(405, "method_not_allowed", "use PUT /extract_text/");
        }
        if (const auto local = req.query("local_file_path")) {
            const auto file = shared_file(opts_, *local);
            if (!file) {
                co_return failure(404, "file_not_found",
                                  "no regular file " + std::string(*local) + " under " +
                                      opts_.shared_volume_dir.string());
            }
            auto work = [file = *file, l = opts_.limits] {
                const auto f = casio::extract::sniff_file(file);
                return casio::extract::extract_file(file, f, l, shown(f));
            };
            co_return co_await run(std::move(work));
        }
        auto work = [body = std::move(req.body), l = opts_.limits] {
            const std::string_view b = body;
            const auto f = casio::extract::sniff_format(
                b.substr(0, 4096), b.substr(b.size() - std::min<std::size_t>(b.size(), 65536)));
            return casio::extract::extract_bytes(b, f, l, shown(f));
        };
        co_return co_await run(std::move(work));
    }

  private:
    template <class F>
    asio::awaitable<server_response> run(F work) {
        auto guarded = [w = std::move(work)]() -> std::pair<std::string, std::string> {
            try {
                return {w().text, {}};
            } catch (const std::exception& e) {
                return {{}, e.what()};
            }
        };
        const auto [text, error] = co_await pool_.run(std::move(guarded));
        if (!error.empty()) {
            co_return failure(422, "extraction_failed", error);
        }
        co_return answer(200, {{"extracted_text", text}});
    }

    options opts_;
    casio::core::worker_pool pool_;
};

}  // namespace

int main(int argc, char** argv) {
    const options o = parse(argc, argv);
    try {
        asio::io_context ioc(1);
        auto handler = std::make_shared<extraction_handler>(o);
        casio::http::server_options sopts;
        sopts.max_body_size = o.max_file_size;
        sopts.gzip_responses = false;
        casio::http::server server(
            ioc.get_executor(),
            [handler](server_request& req) -> asio::awaitable<server_response> {
                co_return co_await (*handler)(req);
            },
            sopts);
        const auto port = server.listen(o.host, o.port);
        server.start();
        asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int) { server.stop(); });
        std::printf("listening on http://%s:%u\n", o.host.c_str(), static_cast<unsigned>(port));
        std::fflush(stdout);
        ioc.run();
    } catch (const std::exception& e) {
        std::cerr << "extraction-service: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
