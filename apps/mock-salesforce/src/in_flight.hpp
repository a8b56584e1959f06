#pragma once
// Requests being answered right now, for /__admin/stats and --max-in-flight. The service layer
// answers synchronously, so only the HTTP adapter sees a request for its whole life (latency
// delay, paced or streamed body, the final write): it takes a ticket when the request arrives
// and the ticket is released when the response has been written.

#include <algorithm>
#include <cstddef>
#include <memory>

namespace casio::mock_sf {

struct in_flight_stats {
    std::size_t in_flight = 0;
    std::size_t max_in_flight = 0;  // since start or the last reset
    std::size_t downloads_in_flight = 0;
    std::size_t max_downloads_in_flight = 0;
    std::size_t limited_requests = 0;  // refused because the limit was reached
};

class in_flight_counter : public std::enable_shared_from_this<in_flight_counter> {
  public:
    // Held from a request's arrival to the end of its response. Keeps the counter alive, so a
    // response still being written when the service is destroyed is harmless.
    class ticket {
      public:
        explicit ticket(std::shared_ptr<in_flight_counter> c) : counter_(std::move(c)) {}
        ~ticket() {
            auto& s = counter_->stats_;
            --s.in_flight;
            if (download_) {
                --s.downloads_in_flight;
            }
        }
        ticket(const ticket&) = delete;
        ticket& operator=(const ticket&) = delete;

        // The request is a file download (VersionData) from now on.
        void mark_download() {
            if (download_) {
                return;
            }
            download_ = true;
            auto& s = counter_->stats_;
            s.max_downloads_in_flight =
                std::max(s.max_downloads_in_flight, ++s.downloads_in_flight);
        }

      private:
        std::shared_ptr<in_flight_counter> counter_;
        bool download_ = false;
    };

    // `limit`: requests allowed in flight at once; 0 = unlimited.
    explicit in_flight_counter(std::size_t limit) : limit_(limit) {}

    // A ticket for an arriving request, or null (counted in limited_requests) when `limit`
    // requests are already in flight.
    std::shared_ptr<ticket> enter() {
        if (limit_ != 0 && stats_.in_flight >= limit_) {
            ++stats_.limited_requests;
            return nullptr;
        }
        stats_.max_in_flight = std::max(stats_.max_in_flight, ++stats_.in_flight);
        return std::make_shared<ticket>(shared_from_this());
    }

    const in_flight_stats& stats() const noexcept { return stats_; }

    // Maxima start over from what is in flight now; limited_requests from 0.
    void reset() {
        stats_.max_in_flight = stats_.in_flight;
        stats_.max_downloads_in_flight = stats_.downloads_in_flight;
        stats_.limited_requests = 0;
    }

  private:
    std::size_t limit_;
    in_flight_stats stats_;
};

}  // namespace casio::mock_sf
