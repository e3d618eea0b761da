#pragma once
// Runs one coroutine to completion on a private io_context and returns its result (or throws
// its exception). For the steps before a daemon serves (enrollment) and for the batch client.
#include <future>
#include <optional>
#include <type_traits>

#include "common/net/asio.hpp"

namespace sc::app {

namespace detail {
// co_spawn with use_future needs a default-constructible result: carry T in an optional.
template <typename T>
net::asio::awaitable<std::optional<T>> as_optional(net::asio::awaitable<T> operation) {
  co_return co_await std::move(operation);
}
}  // namespace detail

template <typename T>
T run_blocking(net::asio::awaitable<T> operation) {
  net::asio::io_context io;
  if constexpr (std::is_void_v<T>) {
    std::future<void> done = net::asio::co_spawn(io, std::move(operation), net::asio::use_future);
    io.run();
    done.get();
  } else {
    auto result =
        net::asio::co_spawn(io, detail::as_optional(std::move(operation)), net::asio::use_future);
    io.run();
    return std::move(*result.get());
  }
}

}  // namespace sc::app
