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

// Runs the prompt on an established stream until quit, end of input or the end of the channel.
net::asio::awaitable<ExitCode> run_shell(std::shared_ptr<net::TlsStream> stream,
                                         ShellSettings settings, EventPrinter& printer);

}  // namespace sc::customer
