#pragma once
// `client shell` (and plain `client`): the interactive prompt. The session subscribes, so it is
// one of the customer's devices: pushed OTPs appear while the person types. Standard input is
// read on a thread of its own; every protocol step runs on the io_context's one thread.
#include <memory>

#include "client/event_printer.hpp"
#include "client/exit_codes.hpp"

namespace sc::customer {

struct ShellSettings {
  DaemonSettings keepalive;
};

// Runs the prompt on an established stream (whose executor is io's) until quit, end of input or
// the end of the channel. The thread that reads standard input holds io: it may still be
// blocked in a read when the shell ends, and must never post to a destroyed io_context.
net::asio::awaitable<ExitCode> run_shell(std::shared_ptr<net::asio::io_context> io,
                                         std::shared_ptr<net::TlsStream> stream,
                                         ShellSettings settings, EventPrinter& printer);

}  // namespace sc::customer
