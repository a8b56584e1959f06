#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <support/config_fixture.hpp>
#include <unistd.h>

#include <casio/core/config.hpp>
#include <casio/core/config_table.hpp>

using namespace casio::core;
using namespace std::chrono_literals;
using casio::test::config_error_of;
using casio::test::fake_env;
using casio::test::has_warning;
using casio::test::read_yaml;

namespace {

// A section of the kind each library declares, with one entry per reader.
enum class colour { red, green };

struct toy_inner {
    std::int64_t size = 5;
};

struct toy {
    std::string url = "http://x";
    std::optional<std::string> token;
    std::int64_t count = 1;
    std::uint64_t limit = 10;
    bool on = false;
    double ratio = 0.5;
    seconds_ms wait = 1s;
    seconds_ms pause = 2s;
    std::size_t mem = mib;
    std::vector<std::string> tags;
    std::map<std::string, std::string> headers;
    colour c = colour::red;
    log::level level = log::level::info;
    std::map<std::string, config_scalar> values;
    toy_inner inner;
};

struct root {
    toy section;
};

bool is_http(const std::string& v) {
    return v.rfind("http://", 0) == 0;
}

const config_table<toy_inner>& inner_table() {
    static const config_table<toy_inner> t{
        {field("size", &toy_inner::size, config_read::integer{1})}};
    return t;
}

const config_table<toy>& toy_table() {
    namespace read = config_read;
    static const config_table<toy> t{{
        field("url", &toy::url, read::checked{read::string{}, is_http, "an http:// URL"}),
        field("token", &toy::token, read::optional_string{true}),
        field("count", &toy::count, read::integer{1}),
        field("limit", &toy::limit, read::integer{0}),
        field("on", &toy::on, read::boolean{}),
        field("ratio", &toy::ratio, read::number{0, 1, "a number between 0 and 1"}),
        field("wait", &toy::wait, read::seconds{true}),
        field("pause", &toy::pause, read::seconds{false}),
        field("mem", &toy::mem, read::mebibytes{}),
        field("tags", &toy::tags, read::string_list{}),
        field("headers", &toy::headers, read::string_map{true}),
        field("colour", &toy::c,
              read::one_of<colour>{{{"red", colour::red}, {"green", colour::green}},
                                   "one of red, green"}),
        field("level", &toy::level, read::log_level{}),
        setter<toy>("values", read::string_map{},
                    [](toy& out, const std::map<std::string, std::string>& m) {
                        for (const auto& [k, v] : m) {
                            out.values[k] = v;
                        }
                    }),
        subsection("inner", &toy::inner, inner_table()),
    }};
    return t;
}

const config_table<root>& root_table() {
    static const config_table<root> t{{subsection("section", &root::section, toy_table())}};
    return t;
}

auto load(std::string_view yaml, std::vector<std::string> unused = {}) {
    return read_yaml(yaml, root_table(), {}, std::move(unused));
}

std::string error_of(std::string_view yaml) {
    return config_error_of([&] { load(yaml); });
}

std::string scalar_at(const config_node& root, std::string_view a, std::string_view b) {
    const config_node* s = root.find(a);
    REQUIRE(s);
    const config_node* v = s->find(b);
    REQUIRE(v);
    return v->text;
}

}  // namespace

TEST_CASE("a table reads every key with its reader and keeps the defaults of absent ones",
          "[config][table]") {
    auto r = load(R"(
section:
  url: http://es:9200
  count: 3
  limit: 0
  on: yes
  ratio: 1
  wait: 0.25
  pause: 0
  mem: 0.5
  tags: a, b ,c
  headers: {X-A: "1"}
  colour: GREEN
  level: debug
  inner: {size: 7}
)");
    const auto& t = r.cfg.section;
    CHECK(r.warnings.empty());
    CHECK(t.url == "http://es:9200");
    CHECK_FALSE(t.token);
    CHECK(t.count == 3);
    CHECK(t.limit == 0);
    CHECK(t.on);
    CHECK(t.ratio == 1.0);
    CHECK(t.wait == 250ms);
    CHECK(t.pause == 0ms);
    CHECK(t.mem == mib / 2);
    CHECK(t.tags == std::vector<std::string>{"a", "b", "c"});
    CHECK(t.headers.at("X-A") == "1");
    CHECK(t.c == colour::green);
    CHECK(t.level == log::level::debug);
    CHECK(t.inner.size == 7);
    CHECK(load("section:\n").cfg.section.count == 1);  // a null section keeps every default
    CHECK(load("section:\n  tags: [x, y]\n").cfg.section.tags ==
          std::vector<std::string>{"x", "y"});
}

TEST_CASE("readers refuse a bad type or an out-of-range value, naming the key and the value",
          "[config][table][errors]") {
    casio::test::check_errors(
        error_of,
        {
            {"section.count: abc\n",
             "config: section.count: expected a positive integer, got \"abc\""},
            {"section.count: 0\n", "config: section.count: expected a positive integer, got \"0\""},
            {"section.limit: -1\n",
             "config: section.limit: expected a non-negative integer, got \"-1\""},
            {"section.limit: 1.5\n",
             "config: section.limit: expected a non-negative integer, got \"1.5\""},
            {"section.on: maybe\n", "config: section.on: expected true or false, got \"maybe\""},
            {"section.ratio: 2\n",
             "config: section.ratio: expected a number between 0 and 1, got \"2\""},
            {"section.wait: 0\n",
             "config: section.wait: expected a positive number of seconds, got \"0\""},
            {"section.wait:\n",
             "config: section.wait: expected a positive number of seconds, got null"},
            {"section.pause: -1\n",
             "config: section.pause: expected a non-negative number of seconds, got \"-1\""},
            {"section.mem: -1\n",
             "config: section.mem: expected a non-negative number of MiB, got \"-1\""},
            {"section.tags: {a: 1}\n",
             "config: section.tags: expected a list of strings, got a mapping"},
            {"section.colour: blue\n",
             "config: section.colour: expected one of red, green, got \"blue\""},
            {"section.level: verbose\n",
             "config: section.level: expected one of debug, info, warning, error, critical, got "
             "\"verbose\""},
            {"section.url: ftp://x\n",
             "config: section.url: expected an http:// URL, got \"ftp://x\""},
            {"section.inner.size: [1]\n",
             "config: section.inner.size: expected a positive integer, got a list"},
            {"section: [1, 2]\n", "config: section: expected a mapping, got a list"},
            {"section.count: \"a\\nb\"\n",
             "config: section.count: expected a positive integer, got \"a\\nb\""},
            // Found by fuzz_config: a key or a value with a line break in it is shown escaped, so
            // that the message stays on one line.
            {"section.count: \"a\\rb\\x01\"\n",
             "config: section.count: expected a positive integer, got \"a\\rb\\x01\""},
            {"section.headers: {\"X-A\\nB\": [1]}\n",
             "config: section.headers.X-A\\nB: expected a string, got a list"},
        });
}

TEST_CASE("a secret's value is never echoed in an error", "[config][table][secrets]") {
    CHECK(error_of("section.token: [topsecret-1]\n") ==
          "config: section.token: expected a string, got a list");
    casio::test::check_secrets_hidden(
        error_of,
        {
            {"section.headers: topsecret-2\n", "section.headers"},
            {"section.headers: {Authorization: [topsecret-3]}\n", "section.headers.Authorization"},
        });
    config_node map_node;
    map_node.k = config_node::kind::map;
    map_node.entries.push_back({"client_secret", config_node{}});
    auto d = config_error_of([&] { config_read::scalar{}(map_node, "x.configuration"); });
    CHECK(d == "config: x.configuration: expected a scalar value, got a mapping");
    CHECK(looks_secret("X-Custom-Auth"));
    CHECK(looks_secret("client_secret"));
    CHECK_FALSE(looks_secret("domain"));
}

TEST_CASE("unknown keys are warned by full path, accepted-but-unused ones are recorded",
          "[config][table][warnings]") {
    auto r = load(R"(
section:
  legacy: 3
  colur: red
  inner: {sise: 1}
old:
  anything: [1, 2]
oldest: 1
surprise: true
)",
                  {"section.legacy", "old.*"});
    CHECK(r.warnings == std::vector<std::string>{
                            "config: unknown key section.colur (ignored)",
                            "config: unknown key section.inner.sise (ignored)",
                            "config: unknown key oldest (ignored)",
                            "config: unknown key surprise (ignored)",
                        });
    CHECK(r.unused == std::vector<std::string>{"section.legacy", "old"});
    auto under = load("old.x: 1\n", {"old.*"});
    CHECK(under.warnings.empty());
    CHECK(under.unused == std::vector<std::string>{"old"});
    CHECK(load("section: {\"co\\nlour\": red}\n").warnings ==
          std::vector<std::string>{"config: unknown key section.co\\nlour (ignored)"});
    auto none = load("section.legacy: 1\n");
    CHECK(none.unused.empty());
    CHECK(has_warning(none.warnings, "unknown key section.legacy"));
}

TEST_CASE("a derived table reads the base's keys and the finish step sees the section",
          "[config][table]") {
    struct base {
        std::int64_t a = 0;
        std::int64_t seen = 0;
    };
    struct derived : base {
        bool b = false;
    };
    static const config_table<base> base_table{
        {field("a", &base::a, config_read::integer{0})},
        [](base& out, const config_node& section, config_reader& r) {
            out.seen = static_cast<std::int64_t>(section.entries.size());
            r.warn("finished");
        }};
    auto table = derived_table<derived>(base_table);
    table.entries.push_back(field("b", &derived::b, config_read::boolean{}));
    auto r = read_yaml("a: 4\nb: on\n", table);
    CHECK(r.cfg.a == 4);
    CHECK(r.cfg.b);
    CHECK(r.cfg.seen == 2);
    CHECK(r.warnings == std::vector<std::string>{"finished"});
}

TEST_CASE("dotted top-level keys nest and merge, a later non-map value replaces",
          "[config][merge]") {
    auto root = parse_config_string(R"(
a.b.c: 1
a:
  b:
    d: 2
  e: 3
f:
  g: 1
f.g: 4
h: [1]
h.i: 5
)",
                                    "test.yml", fake_env{}.lookup());
    const config_node* b = root.find("a")->find("b");
    CHECK(b->find("c")->text == "1");
    CHECK(b->find("d")->text == "2");
    CHECK(scalar_at(root, "a", "e") == "3");
    CHECK(scalar_at(root, "f", "g") == "4");
    CHECK(scalar_at(root, "h", "i") == "5");
    CHECK(parse_config_string("", "t", fake_env{}.lookup()).k == config_node::kind::map);
}

TEST_CASE("environment variables are substituted in every form", "[config][env]") {
    fake_env env{{{"ES_HOST", "https://from-env:9200"}, {"USER", "ingest"}, {"EMPTY", ""}}};
    auto root = parse_config_string(R"(
s.host: $ES_HOST
s.user: ${USER}
s.pw: "$MISSING_PW|fallback-pw"
s.ca: "${MISSING_CA|/etc/ca.pem}"
s.types: "salesforce$EMPTY,dir"
s.price: "$$5"
)",
                                    "test.yml", env.lookup());
    CHECK(scalar_at(root, "s", "host") == "https://from-env:9200");
    CHECK(scalar_at(root, "s", "user") == "ingest");
    CHECK(scalar_at(root, "s", "pw") == "fallback-pw");
    CHECK(scalar_at(root, "s", "ca") == "/etc/ca.pem");
    CHECK(scalar_at(root, "s", "types") == "salesforce,dir");
    CHECK(scalar_at(root, "s", "price") == "$5");
    CHECK(root.find("s")->find("price")->quoted);
}

TEST_CASE("an undefined variable without default names the variable", "[config][env][errors]") {
    auto msg = config_error_of([] {
        parse_config_string("# $IN_COMMENT\ns.host: $NO_SUCH_VAR\n", "test.yml",
                            fake_env{}.lookup());
    });
    CHECK(msg.find("NO_SUCH_VAR") != std::string::npos);
    CHECK(msg.find("IN_COMMENT") == std::string::npos);
    CHECK(msg.find("test.yml:2") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
}

TEST_CASE("ENVYAML_STRICT_DISABLE leaves undefined variables as written", "[config][env]") {
    fake_env env{{{"ENVYAML_STRICT_DISABLE", "1"}}};
    CHECK(substitute_env("u: $NO_SUCH_USER ${NO_SUCH|} ${NONE}\n", "t", env.lookup()) ==
          "u: $NO_SUCH_USER  ${NONE}\n");
}

TEST_CASE("substitute_env keeps quoted apostrophes and text around names", "[config][env]") {
    fake_env env{{{"A", "x"}}};
    CHECK(substitute_env("name: Bob's ${A}y # $UNSET\n", "t", env.lookup()) ==
          "name: Bob's xy # $UNSET\n");
    CHECK(substitute_env("v: pre$A.post and $ alone and ${bad name}\n", "t", env.lookup()) ==
          "v: prex.post and $ alone and ${bad name}\n");
    CHECK(substitute_env("v: 'quoted # not a comment $A'\n", "t", env.lookup()) ==
          "v: 'quoted # not a comment x'\n");
    CHECK(substitute_env("v: $A|dflt ${A and $", "t", env.lookup()) == "v: x ${A and $");
}

TEST_CASE("a YAML syntax error names file, line and column", "[config][errors]") {
    auto parse = [](std::string_view yaml) {
        return config_error_of([&] { parse_config_string(yaml, "test.yml", fake_env{}.lookup()); });
    };
    auto msg = parse("service:\n  idling: 30\n  heartbeat: [1, 2\n");
    CHECK(msg.rfind("config: test.yml:", 0) == 0);
    CHECK(msg.find("YAML syntax error") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(parse("a: b\nc: d: e\n").rfind("config: test.yml:2:", 0) == 0);
    // Found by fuzz_config: the parser quotes the character it stopped at, here a line break.
    CHECK(parse(std::string_view("a: \0\nb: c\n", 11)) ==
          "config: test.yml:2:1: YAML syntax error: unknown escape character: \\n");
    CHECK(parse("- a\n- b\n").find("top level must be a mapping") != std::string::npos);
    CHECK(parse("? [a]\n: b\n").find("keys must be plain scalars") != std::string::npos);
}

TEST_CASE("parse_config_file reads a file and reports a missing one", "[config][file]") {
    std::string path = "/tmp/casio_core_config_test_" + std::to_string(::getpid()) + ".yml";
    {
        std::ofstream out(path);
        out << "service.max_concurrent_content_syncs: 3\n";
    }
    auto root = parse_config_file(path, fake_env{}.lookup());
    std::remove(path.c_str());
    CHECK(scalar_at(root, "service", "max_concurrent_content_syncs") == "3");
    auto msg = config_error_of([] { parse_config_file("/nonexistent/casio.yml"); });
    CHECK(msg.find("/nonexistent/casio.yml") != std::string::npos);
}

TEST_CASE("a configuration is a regular file of at most 1 MiB, of bounded size once read",
          "[config][file][errors]") {
    const std::string path = "/tmp/casio_core_config_big_" + std::to_string(::getpid()) + ".yml";
    {
        std::ofstream out(path);
        out << "# " << std::string(1024 * 1024, 'x') << "\nservice.idling: 1\n";
    }
    auto big = config_error_of([&] { parse_config_file(path, fake_env{}.lookup()); });
    std::remove(path.c_str());
    CHECK(big.find(path) != std::string::npos);
    CHECK(big.find("more than a configuration file can be (1 MiB)") != std::string::npos);
    CHECK(config_error_of([] { parse_config_file("/tmp"); }) ==
          "config: /tmp is not a regular file");

    auto parse = [](const std::string& yaml) {
        return config_error_of([&] { parse_config_string(yaml, "t.yml", fake_env{}.lookup()); });
    };
    std::string deep = "a: ";
    for (int i = 0; i < 70; ++i) {
        deep += "[";
    }
    deep += std::string(70, ']') + "\n";
    CHECK(parse(deep) == "config: t.yml: nested more than 64 levels deep");
    std::string many = "a: [";
    for (int i = 0; i < 100001; ++i) {
        many += i ? ",1" : "1";
    }
    many += "]\n";
    CHECK(parse(many).find("more than 100000 values") != std::string::npos);
}

TEST_CASE("each dot of a top-level key is a level of nesting, within the same limit",
          "[config][errors]") {
    // Seen while writing fuzz_config: a key of half a million dots (an explicit key, `? a.a...`,
    // within the 1 MiB a file may have) nested as deep and overflowed the stack.
    auto parse = [](const std::string& yaml) {
        return parse_config_string(yaml, "t.yml", fake_env{}.lookup());
    };
    std::string key = "a";
    for (int i = 0; i < 63; ++i) {
        key += ".a";
    }
    CHECK(config_error_of([&] { parse("? " + key + "\n: 1\n"); }) ==
          "config: t.yml: nested more than 64 levels deep");
    CHECK(config_error_of([&] { parse("? " + key.substr(2) + "\n: [1]\n"); }) ==
          "config: t.yml: nested more than 64 levels deep");
    const std::string ok = key.substr(2);  // 63 levels and a scalar
    CHECK(parse("? " + ok + "\n: 1\n").k == config_node::kind::map);
    CHECK(parse("a: {" + key + ": 1}\n").find("a")->find(key)->text == "1");  // not top level
}

TEST_CASE("a dotenv file supplies variables the environment lacks", "[config][env]") {
    std::string path = "/tmp/casio_core_dotenv_" + std::to_string(::getpid());
    {
        std::ofstream out(path);
        out << "# comment\nES_USER=from-dotenv\nexport ES_PASS='quoted value'\n"
               "ES_HOST=http://dotenv:9200\nbroken line\n";
    }
    fake_env env{{{"ES_HOST", "https://real-env:9200"}}};
    auto lookup = with_dotenv(env.lookup(), path);
    std::remove(path.c_str());
    CHECK(lookup("ES_USER") == "from-dotenv");
    CHECK(lookup("ES_PASS") == "quoted value");
    CHECK(lookup("ES_HOST") == "https://real-env:9200");  // the real environment wins
    CHECK_FALSE(lookup("broken line"));
    CHECK_FALSE(with_dotenv(env.lookup(), "/nonexistent/.env")("ES_USER"));
}
