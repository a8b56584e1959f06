#pragma once
// A streaming libxml2 parser for untrusted XML: chunks in, callbacks out. No network,
// no external entities or DTDs loaded, libxml2's entity amplification limits left on.

#include <exception>
#include <functional>
#include <string_view>

#include "detail.hpp"

namespace casio::extract::detail {

// An element's attributes as libxml2 hands them over, without copies: (localname, prefix, URI,
// value, end) tuples.
class attributes {
  public:
    static attributes tuples(const char* const* data, int count) { return {data, count}; }

    // The value of the attribute whose local name is `name`; empty when there is none.
    std::string_view get(std::string_view name) const;

  private:
    attributes(const char* const* data, int count) : data_(data), count_(count) {}
    const char* const* data_;
    int count_;
};

// Receives a document's elements and text; local names without prefix, attribute values by
// local name. done() ends the parse early (the output is full).
class sax_handler {
  public:
    virtual ~sax_handler() = default;
    virtual void start(std::string_view name, const attributes& attrs) = 0;
    virtual void end(std::string_view name) = 0;
    virtual void text(std::string_view utf8) = 0;
    // When true, the parse stops after the current callback.
    virtual bool done() const { return false; }

    static std::string_view attr(const attributes& attrs, std::string_view name) {
        return attrs.get(name);
    }

    // An exception a callback threw: libxml2 is C, so it is caught there, the parse stopped, and
    // it is thrown again once libxml2 has returned.
    std::exception_ptr failure;
};

// Returns up to `n` bytes into `buf`, 0 at the end.
using chunk_reader = std::function<std::size_t(char* buf, std::size_t n)>;

// Parses XML read from `read` into `h`; a document that is not well-formed throws an
// extract_error "<name>: <what>: <libxml2's message>". The time cap is checked between chunks.
void parse_xml(context& ctx, const chunk_reader& read, sax_handler& h, std::string_view what);

}  // namespace casio::extract::detail
