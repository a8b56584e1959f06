#include <charconv>
#include <string>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <boost/system/system_error.hpp>

#include <casio/core/json_parse.hpp>

namespace casio::core {

namespace {

using boost::json::string_view;
using boost::system::error_code;

// boost::json::parser's handler (detail/handler.hpp), but for doubles.
struct exact_handler {
    static constexpr std::size_t max_object_size = boost::json::object::max_size();
    static constexpr std::size_t max_array_size = boost::json::array::max_size();
    static constexpr std::size_t max_key_size = boost::json::string::max_size();
    static constexpr std::size_t max_string_size = boost::json::string::max_size();

    boost::json::value_stack st;
    std::string number;  // the start of a number split across writes (never, for one write)

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) { return true; }
    bool on_object_end(std::size_t n, error_code&) {
        st.push_object(n);
        return true;
    }
    bool on_array_begin(error_code&) { return true; }
    bool on_array_end(std::size_t n, error_code&) {
        st.push_array(n);
        return true;
    }
    bool on_key_part(string_view s, std::size_t, error_code&) {
        st.push_chars(s);
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code&) {
        st.push_key(s);
        return true;
    }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        st.push_chars(s);
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code&) {
        st.push_string(s);
        return true;
    }
    bool on_number_part(string_view s, error_code&) {
        number.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t i, string_view, error_code&) {
        number.clear();
        st.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, string_view, error_code&) {
        number.clear();
        st.push_uint64(u);
        return true;
    }
    bool on_double(double d, string_view s, error_code&) {
        std::string_view text(s.data(), s.size());
        if (!number.empty()) {
            number.append(s.data(), s.size());
            text = number;
        }
        double exact = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
        // Out of range (1e400, 1e-400): Boost.JSON's infinity or zero, as it read them.
        if (ec == std::errc() && end == text.data() + text.size()) {
            d = exact;
        }
        number.clear();
        st.push_double(d);
        return true;
    }
    bool on_bool(bool b, error_code&) {
        st.push_bool(b);
        return true;
    }
    bool on_null(error_code&) {
        st.push_null();
        return true;
    }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }
};

}  // namespace

struct json_parser::impl {
    boost::json::basic_parser<exact_handler> p{boost::json::parse_options{}};
};

json_parser::json_parser() : impl_(std::make_unique<impl>()) {
    reset();
}
json_parser::~json_parser() = default;

void json_parser::reset(boost::json::storage_ptr sp) noexcept {
    impl_->p.reset();
    impl_->p.handler().number.clear();
    impl_->p.handler().st.reset(std::move(sp));
}

void json_parser::write(std::string_view text, error_code& ec) {
    const auto n = impl_->p.write_some(false, text.data(), text.size(), ec);
    if (!ec && n < text.size()) {
        ec = boost::json::error::extra_data;
        impl_->p.fail(ec);
    }
}

void json_parser::write(std::string_view text) {
    error_code ec;
    write(text, ec);
    if (ec) {
        throw boost::system::system_error(ec);
    }
}

boost::json::value json_parser::release() {
    if (!impl_->p.done()) {
        error_code ec = impl_->p.last_error();
        if (!ec) {
            ec = boost::json::error::incomplete;
            impl_->p.fail(ec);
        }
        throw boost::system::system_error(ec);
    }
    return impl_->p.handler().st.release();
}

boost::json::value parse_json(std::string_view text, boost::json::storage_ptr sp) {
    error_code ec;
    auto v = parse_json(text, ec, std::move(sp));
    if (ec) {
        throw boost::system::system_error(ec);
    }
    return v;
}

boost::json::value parse_json(std::string_view text, error_code& ec, boost::json::storage_ptr sp) {
    json_parser p;
    p.reset(std::move(sp));
    p.write(text, ec);
    if (ec) {
        return nullptr;
    }
    return p.release();
}

}  // namespace casio::core
