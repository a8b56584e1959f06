#include "client_decoder.hpp"

#include <stdexcept>

#include <casio/core/text.hpp>

namespace casio::http::detail {

namespace {

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

constexpr int gzip_or_zlib_window = 15 + 32;  // zlib auto-detects the gzip or zlib wrapper
constexpr int zlib_window = 15;
constexpr int raw_window = -15;

}  // namespace

bool parse_content_coding(std::string_view value, content_coding& out) noexcept {
    value = trim(value);
    if (value.empty() || core::iequals(value, "identity")) {
        out = content_coding::identity;
    } else if (core::iequals(value, "gzip") || core::iequals(value, "x-gzip")) {
        out = content_coding::gzip;
    } else if (core::iequals(value, "deflate")) {
        out = content_coding::deflate;
    } else {
        return false;
    }
    return true;
}

body_decoder::body_decoder(content_coding coding, std::size_t out_chunk)
    : coding_(coding), out_chunk_(out_chunk) {
    if (coding_ != content_coding::identity) {
        out_.resize(out_chunk_);
        reset_stream(coding_ == content_coding::gzip ? gzip_or_zlib_window : zlib_window);
    }
}

body_decoder::~body_decoder() {
    if (zs_active_) {
        inflateEnd(&zs_);
    }
}

void body_decoder::reset_stream(int window_bits) {
    if (zs_active_) {
        inflateEnd(&zs_);
        zs_active_ = false;
    }
    zs_ = z_stream{};
    if (inflateInit2(&zs_, window_bits) != Z_OK) {
        throw std::runtime_error("cannot initialise zlib");
    }
    zs_active_ = true;
    started_ = false;
    stream_end_ = false;
}

void body_decoder::input(std::string_view data) {
    if (coding_ == content_coding::identity) {
        pending_ = data;
        return;
    }
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs_.avail_in = static_cast<uInt>(data.size());
}

std::string_view body_decoder::next() {
    if (coding_ == content_coding::identity) {
        std::string_view piece = pending_.substr(0, out_chunk_);
        pending_.remove_prefix(piece.size());
        return piece;
    }
    while (zs_.avail_in > 0) {
        if (stream_end_) {
            // Concatenated gzip members are one body (RFC 1952); anything else after the end
            // of a zlib stream is garbage.
            if (coding_ != content_coding::gzip) {
                throw std::runtime_error("data after the end of the deflate stream");
            }
            Bytef* rest = zs_.next_in;
            uInt rest_size = zs_.avail_in;
            reset_stream(gzip_or_zlib_window);
            zs_.next_in = rest;
            zs_.avail_in = rest_size;
        }
        Bytef* in_before = zs_.next_in;
        uInt avail_before = zs_.avail_in;
        zs_.next_out = reinterpret_cast<Bytef*>(out_.data());
        zs_.avail_out = static_cast<uInt>(out_.size());
        int rc = inflate(&zs_, Z_NO_FLUSH);
        if (rc == Z_DATA_ERROR && coding_ == content_coding::deflate && !started_ &&
            !raw_fallback_) {
            // Some servers send raw deflate without the zlib wrapper the RFC asks for.
            raw_fallback_ = true;
            reset_stream(raw_window);
            zs_.next_in = in_before;
            zs_.avail_in = avail_before;
            continue;
        }
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            throw std::runtime_error(std::string("corrupt compressed body: ") +
                                     (zs_.msg ? zs_.msg : "zlib error"));
        }
        started_ = true;
        if (rc == Z_STREAM_END) {
            stream_end_ = true;
        }
        std::size_t produced = out_.size() - zs_.avail_out;
        if (produced > 0) {
            return {out_.data(), produced};
        }
        if (rc == Z_BUF_ERROR) {
            break;  // needs more input
        }
    }
    // Input drained; zlib may still hold output when the last call filled the buffer.
    if (!stream_end_ && started_) {
        zs_.next_out = reinterpret_cast<Bytef*>(out_.data());
        zs_.avail_out = static_cast<uInt>(out_.size());
        int rc = inflate(&zs_, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            stream_end_ = true;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            throw std::runtime_error(std::string("corrupt compressed body: ") +
                                     (zs_.msg ? zs_.msg : "zlib error"));
        }
        std::size_t produced = out_.size() - zs_.avail_out;
        if (produced > 0) {
            return {out_.data(), produced};
        }
    }
    return {};
}

void body_decoder::finish() const {
    if (coding_ != content_coding::identity && started_ && !stream_end_) {
        throw std::runtime_error("compressed body ends before the end of its stream");
    }
}

}  // namespace casio::http::detail
