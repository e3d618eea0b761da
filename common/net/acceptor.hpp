#pragma once
// Opening a listening socket, the same way for the TLS and the HTTP listeners.
#include <cstdint>
#include <string>

#include "common/net/asio.hpp"

namespace sc::net {

// Opens `acceptor` on host:port (port 0: any free port) with SO_REUSEADDR, so that a restarted
// daemon can bind while connections of the previous one linger in TIME_WAIT, and starts
// listening with the system's largest backlog. Returns the port bound. Throws
// boost::system::system_error (e.g. the address is in use).
std::uint16_t open_listening(tcp::acceptor& acceptor, const std::string& host, std::uint16_t port);

}  // namespace sc::net
