#pragma once
// The network side of `ttp serve`: accepts the project's TLS channel on --listen, with the
// TTP's service certificate, and hands each connection's bytes to a TtpConnection.
//
// NETWORK WIRING (owned by the lead, common/net): this function is the only place where the
// TTP meets sockets. Everything it needs is prepared by main() before it is called.
#include <boost/program_options.hpp>
#include <string>

#include "common/pki/certificate_authority.hpp"
#include "ttp/ttp_service.hpp"

namespace sc::ttp {

struct ServeSettings {
  std::string listen;                                    // "127.0.0.1:8443"
  const pki::ServiceCredentials* credentials = nullptr;  // the TTP's own endpoint identity
  const boost::program_options::variables_map* options = nullptr;  // everything parsed
};

// Serves until SIGINT/SIGTERM; returns the process exit code.
int run_service(TtpService& service, const ServeSettings& settings);

}  // namespace sc::ttp
