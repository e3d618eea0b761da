#pragma once
// The one way into Boost.Asio for this project. Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility>, so it must come first.
#include <utility>

// Boost 1.74 enables co_await for clang only with libc++'s <experimental/coroutine>; clang 14
// with libstdc++'s <coroutine> works as well (the clang fuzz and sanitizer build uses it).
#if defined(__clang__) && defined(__cpp_impl_coroutine) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#include <boost/asio.hpp>

namespace sc::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
}  // namespace sc::net
