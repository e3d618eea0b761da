#pragma once
// The one way into Boost.Asio for this project. Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility>, so it must come first.
#include <utility>

#include <boost/asio.hpp>

namespace sc::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
}  // namespace sc::net
