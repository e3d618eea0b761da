#include "common/tls/keylog.hpp"

#include <string>

namespace sc::tls {

void write_key_log(const KeyLogSink& sink, std::string_view label, ByteView client_random,
                   ByteView secret) {
  if (!sink) return;
  std::string line(label);
  line += ' ';
  line += to_hex(client_random);
  line += ' ';
  std::string secret_hex = to_hex(secret);
  line += secret_hex;
  crypto::cleanse(secret_hex.data(), secret_hex.size());
  sink(line);
  crypto::cleanse(line.data(), line.size());
}

}  // namespace sc::tls
