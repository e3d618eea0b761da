#include "common/tls/engine_core.hpp"

#include "common/crypto/random.hpp"
#include "common/tls/handshake/finished.hpp"
#include "common/tls/keylog.hpp"

namespace sc::tls {

void check_peer_finished(const HandshakeMessage& message, crypto::HashAlgorithm hash,
                         ByteView peer_handshake_traffic_secret, const Transcript& transcript,
                         PeerRole peer) {
  const Finished finished = decode_finished(message.body(), crypto::digest_length(hash));
  const Bytes expected =
      compute_finished(hash, peer_handshake_traffic_secret, transcript.current_hash());
  if (!crypto::equal_constant_time(expected, finished.verify_data)) {
    throw ProtocolError(AlertDescription::decrypt_error,
                        std::string(peer == PeerRole::Server ? "server" : "client") +
                            " Finished does not match the handshake transcript");
  }
}

void log_handshake_secrets(const KeyLogSink& sink, ByteView client_random,
                           const HandshakeSecret& key_schedule) {
  write_key_log(sink, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", client_random,
                key_schedule.client_handshake_traffic_secret());
  write_key_log(sink, "SERVER_HANDSHAKE_TRAFFIC_SECRET", client_random,
                key_schedule.server_handshake_traffic_secret());
}

void log_application_secrets(const KeyLogSink& sink, ByteView client_random,
                             const MasterSecret& key_schedule) {
  write_key_log(sink, "CLIENT_TRAFFIC_SECRET_0", client_random,
                key_schedule.client_application_traffic_secret());
  write_key_log(sink, "SERVER_TRAFFIC_SECRET_0", client_random,
                key_schedule.server_application_traffic_secret());
  write_key_log(sink, "EXPORTER_SECRET", client_random, key_schedule.exporter_master_secret());
}

}  // namespace sc::tls
