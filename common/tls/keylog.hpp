#pragma once
// NSS key log lines ("LABEL <client_random hex> <secret hex>") for Wireshark. Only written when
// the configuration supplies a sink; never logged otherwise.
#include <string_view>

#include "common/crypto/bytes.hpp"
#include "common/tls/config.hpp"

namespace sc::tls {

void write_key_log(const KeyLogSink& sink, std::string_view label, ByteView client_random,
                   ByteView secret);

}  // namespace sc::tls
