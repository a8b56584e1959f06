#pragma once
// An executor adapter that runs every handler of the wrapped executor inside a
// log::scoped_labels: a coroutine spawned on it (and everything it spawns on its own executor,
// timers and I/O it awaits included) logs with the job's labels. The labels are shared, so
// copies of the executor are cheap and the labels outlive every handler.

#include <memory>
#include <type_traits>
#include <utility>

#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

#include <casio/core/log.hpp>

namespace casio::core {

template <class Inner>
class labelled_executor {
  public:
    labelled_executor(Inner inner, std::shared_ptr<const log::labels> labels) noexcept
        : inner_(std::move(inner)), labels_(std::move(labels)) {}

    template <class Property>
    auto query(const Property& p) const
        -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
        return boost::asio::query(inner_, p);
    }

    template <class Property>
    auto require(const Property& p) const -> labelled_executor<
        std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
        return {boost::asio::require(inner_, p), labels_};
    }

    template <class Property>
    auto prefer(const Property& p) const -> labelled_executor<
        std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>> {
        return {boost::asio::prefer(inner_, p), labels_};
    }

    template <class F>
    void execute(F&& f) const {
        inner_.execute([labels = labels_, f = std::forward<F>(f)]() mutable {
            log::scoped_labels scope(labels.get());
            std::move(f)();
        });
    }

    friend bool operator==(const labelled_executor& a, const labelled_executor& b) noexcept {
        return a.inner_ == b.inner_ && a.labels_ == b.labels_;
    }
    friend bool operator!=(const labelled_executor& a, const labelled_executor& b) noexcept {
        return !(a == b);
    }

    const Inner& inner() const noexcept { return inner_; }

  private:
    template <class>
    friend class labelled_executor;

    Inner inner_;
    std::shared_ptr<const log::labels> labels_;
};

}  // namespace casio::core
