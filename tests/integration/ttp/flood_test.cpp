// Issue 13 measured again: 20 connections send STATUS lines for the service certificate's
// serial and never read their answers, while an honest requester asks for the CA and enrolls.
// The TTP must keep its memory bounded (it stops reading a peer that does not read, and signs
// one OCSP response for the whole flood) and keep answering the others.
//
// The per-source STATUS limit is lifted for the flood (every line gets a full signed answer),
// so that what is measured is back-pressure and the OCSP cache, not the rate limit. The figures
// are printed ("MEASURED ...") for docs/HARDENING.md; run with `ctest -V -R ttp_flood_test`.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/app/run_blocking.hpp"
#include "common/app/ttp_client.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pem_file.hpp"
#include "tests/integration/ttp/ttp_process.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"
#include "ttp/registry.hpp"

using namespace sc;
using namespace std::chrono_literals;

namespace {

constexpr int flood_connections = 20;
constexpr std::size_t flood_chunk_bytes = 15 * 1024;         // one write, as the attacker's
constexpr std::size_t flood_bytes_per_connection = 8 << 20;  // keeps sending until blocked
// What one connection may hold by design: one record of unparsed bytes, 32 parsed requests,
// one answer and its TLS record, about 60 KiB; 20 of them about 1.2 MiB. The allowance is
// twenty times that, yet below what answering a whole chunk at once costs (measured +49 MiB
// with the cache, 2026-12-02).
constexpr std::int64_t memory_allowance_kib = 24 * 1024;  // baseline + 24 MiB
constexpr auto answer_bound = 20s;

std::int64_t resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));  // "VmRSS:  1234 kB"
  }
  return -1;
}

app::TtpEndpoint endpoint_for(std::uint16_t port, const std::string& fingerprint) {
  app::TtpEndpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port;
  endpoint.verifier = std::make_shared<pki::PinnedRootVerifier>(fingerprint);
  endpoint.timeouts.handshake = 30s;
  return endpoint;
}

// The flood: each connection writes STATUS lines in 15 KB chunks and never reads. A write
// completes when the kernel took the bytes, so a connection the TTP stops reading stalls here.
class Flood {
 public:
  Flood(const app::TtpEndpoint& endpoint, const std::string& serial_hex) {
    std::string chunk;
    while (chunk.size() + serial_hex.size() + 8 <= flood_chunk_bytes) {
      chunk += "STATUS " + serial_hex + "\n";
    }
    chunk_ = chunk;
    for (int i = 0; i < flood_connections; ++i) {
      net::asio::co_spawn(io_, connection(endpoint), net::asio::detached);
    }
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Flood() {
    io_.stop();
    thread_.join();
  }
  int connected() const { return connected_.load(); }
  int failed() const { return failed_.load(); }
  std::size_t bytes_sent() const { return sent_.load(); }

 private:
  net::asio::awaitable<void> connection(app::TtpEndpoint endpoint) {
    try {
      tls::ClientConfig config = endpoint.channel;
      config.verifier = endpoint.verifier;
      config.server_name = endpoint.host;
      auto stream =
          co_await net::connect(endpoint.host, endpoint.port, std::move(config), endpoint.timeouts);
      {
        std::lock_guard lock(mutex_);
        streams_.push_back(stream);  // held open, never read
      }
      ++connected_;
      for (std::size_t sent = 0; sent < flood_bytes_per_connection; sent += chunk_.size()) {
        co_await stream->write(as_bytes(chunk_));
        sent_ += chunk_.size();
      }
    } catch (const std::exception& failure) {
      ++failed_;
    }
  }

  std::string chunk_;
  net::asio::io_context io_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<net::TlsStream>> streams_;
  std::atomic<int> connected_{0};
  std::atomic<int> failed_{0};
  std::atomic<std::size_t> sent_{0};
};

}  // namespace

TEST_CASE("20 connections flooding STATUS without reading: memory bounded, CA and ENROLL answered",
          "[ttp][flood][network]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  const std::string ttp_binary = (test::binary_dir() / "bin" / "ttp").string();
  // The product's default root, RSA 3072: each OCSP signature costs what the attacker measured.
  REQUIRE(
      test::run_command(ttp_binary + " init --certs-dir " + certs.string(), scratch).exit_code ==
      0);
  std::string fingerprint = test::read_file(certs / "ca.fingerprint");
  fingerprint.pop_back();
  const std::string service_serial = pki::read_certificate_file(certs / "service.pem").serial_hex();

  test::TtpProcess ttp(certs, {"--status-rate", "1000000", "--status-burst", "1000000"});
  const app::TtpEndpoint endpoint = endpoint_for(ttp.port(), fingerprint);
  const app::TtpClient client(endpoint);
  REQUIRE(app::run_blocking(client.exchange("CA\n")).ok());  // warm: first handshake done
  const std::int64_t baseline_kib = resident_kib(ttp.pid());
  REQUIRE(baseline_kib > 0);

  ttp::Registry admin(certs / "registry.db");
  const std::string token =
      admin.create_token(pki::Role::Customer, "honest", std::chrono::hours(1)).token;

  std::int64_t peak_kib = baseline_kib;
  const auto sample = [&] { peak_kib = std::max(peak_kib, resident_kib(ttp.pid())); };
  {
    Flood flood(endpoint, service_serial);
    // Bounded wait until the flood is in full swing: every connection up and sending.
    for (int i = 0; i < 3000 && flood.connected() + flood.failed() < flood_connections; ++i) {
      sample();
      std::this_thread::sleep_for(10ms);
    }
    REQUIRE(flood.connected() == flood_connections);

    // The honest requester, during the flood.
    std::atomic<bool> ca_done{false};
    std::atomic<bool> enroll_done{false};
    std::chrono::duration<double> ca_time{};
    std::chrono::duration<double> enroll_time{};
    std::string ca_status;
    std::string enroll_failure;
    std::thread ca_requester([&] {
      const auto start = std::chrono::steady_clock::now();
      try {
        ca_status = app::run_blocking(client.exchange("CA\n")).status_line;
      } catch (const std::exception& failure) {
        ca_status = failure.what();
      }
      ca_time = std::chrono::steady_clock::now() - start;
      ca_done = true;
    });
    std::thread enroller([&] {
      const auto start = std::chrono::steady_clock::now();
      try {
        app::run_blocking(
            client.enroll(pki::Role::Customer, token, test::in_process_csr("honest")));
      } catch (const std::exception& failure) {
        enroll_failure = failure.what();
      }
      enroll_time = std::chrono::steady_clock::now() - start;
      enroll_done = true;
    });
    // Sample memory while they run (bounded by the requesters' own timeouts), then for 3 s
    // more of flood.
    for (int i = 0; i < 12000 && !(ca_done && enroll_done); ++i) {
      sample();
      std::this_thread::sleep_for(10ms);
    }
    ca_requester.join();
    enroller.join();
    for (int i = 0; i < 300; ++i) {
      sample();
      std::this_thread::sleep_for(10ms);
    }

    std::cout << "MEASURED ttp flood: " << flood_connections << " connections sent "
              << flood.bytes_sent() / 1024 << " KiB of STATUS lines without reading; TTP VmRSS "
              << baseline_kib / 1024 << " MiB before, peak " << peak_kib / 1024
              << " MiB during (bound: baseline + " << memory_allowance_kib / 1024 << " MiB)"
              << std::endl;
    std::cout << "MEASURED ttp flood: concurrent CA answered in " << ca_time.count()
              << " s, concurrent enrollment in " << enroll_time.count() << " s (bound "
              << answer_bound.count() << " s)" << std::endl;

    INFO("TTP log: " << (certs / "ttp-serve.log").string());
    CHECK(peak_kib < baseline_kib + memory_allowance_kib);
    CHECK(ca_status.rfind("OK CA", 0) == 0);
    CHECK(ca_time < answer_bound);
    CHECK(enroll_failure.empty());
    CHECK(enroll_time < answer_bound);
    // The flood did not get everything it sent read: back-pressure held it.
    CHECK(flood.bytes_sent() < flood_connections * flood_bytes_per_connection);
  }
  // After the flood's connections are gone the TTP still answers.
  CHECK(app::run_blocking(client.exchange("CA\n")).ok());
  CHECK(admin.certificate_count() == 2);  // the service certificate and the honest one
}
