// Downloads spooled to disk: a file a killed process left behind is removed at the next start;
// the files of a living process, files just made and other programs' files are not.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include <casio/sync/extraction.hpp>

namespace fs = std::filesystem;
using casio::sync::remove_stale_spool_files;
using casio::sync::spooled_file;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string t = (fs::temp_directory_path() / "casio-spool-XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()) != nullptr);
        path = t;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::vector<fs::path> files() const {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(path))
            out.push_back(e.path());
        return out;
    }
};

void age(const fs::path& p) {
    fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::minutes(5));
}

// A process that spools a download and is killed before it can remove it.
void killed_process_spools_into(const fs::path& dir) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        auto* f = new spooled_file(dir);  // never destroyed: the process dies with it
        f->write("half a download");
        f->flush();
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
}

}  // namespace

TEST_CASE("a download a killed process left is removed, a living one's is kept", "[spool]") {
    temp_dir dir;
    killed_process_spools_into(dir.path);
    auto left = dir.files();
    REQUIRE(left.size() == 1);
    age(left[0]);

    spooled_file live(dir.path);
    live.write("in flight");
    live.flush();
    age(live.path());

    CHECK(remove_stale_spool_files(dir.path) == 1);
    CHECK_FALSE(fs::exists(left[0]));
    CHECK(fs::exists(live.path()));
}

TEST_CASE("a spool file made under a minute ago and other programs' files are kept", "[spool]") {
    temp_dir dir;
    killed_process_spools_into(dir.path);
    std::ofstream(dir.path / "report.pdf") << "someone else's";
    age(dir.path / "report.pdf");

    CHECK(remove_stale_spool_files(dir.path) == 0);
    CHECK(dir.files().size() == 2);
}

TEST_CASE("a spool directory that does not exist removes nothing", "[spool]") {
    CHECK(remove_stale_spool_files("/nonexistent/casio-spool") == 0);
}
