// The daemons' deadline and admission options (common/app/channel_options) as they reach
// net::ListenerOptions.
#include <catch2/catch.hpp>

#include <boost/program_options.hpp>

#include <stdexcept>
#include <vector>

#include "common/app/channel_options.hpp"

using namespace sc;
using namespace std::chrono_literals;
namespace po = boost::program_options;

namespace {

void parse(const std::vector<const char*>& arguments, app::ChannelOptions& channel,
           app::ListenerLimits& limits) {
  po::options_description options;
  app::add_channel_options(options, channel);
  app::add_listener_limit_options(options, limits);
  std::vector<const char*> argv = {"daemon"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  po::variables_map values;
  po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), options), values);
  po::notify(values);
}

}  // namespace

TEST_CASE("without flags the listener gets the documented deadlines and caps", "[net][options]") {
  app::ChannelOptions channel;
  app::ListenerLimits limits;
  parse({}, channel, limits);
  net::ListenerOptions options = app::resolve_listener_options(limits, channel);
  CHECK(options.timeouts.handshake == 10s);
  CHECK(options.timeouts.write == 10s);
  CHECK(options.timeouts.idle == 300s);
  CHECK(options.max_connections == 1024);
  CHECK(options.max_unauthenticated == 512);
  CHECK(options.max_unauthenticated_per_source == 32);
}

TEST_CASE("deadline and admission flags reach the listener options", "[net][options]") {
  app::ChannelOptions channel;
  app::ListenerLimits limits;
  limits.max_connections = 256;  // a daemon's own default, shown by --help
  parse({"--handshake-timeout", "3", "--write-timeout", "4", "--idle-timeout", "30",
         "--max-unauthenticated", "100", "--max-unauthenticated-per-source", "8"},
        channel, limits);
  net::ListenerOptions options = app::resolve_listener_options(limits, channel);
  CHECK(options.timeouts.handshake == 3s);
  CHECK(options.timeouts.write == 4s);
  CHECK(options.timeouts.idle == 30s);
  CHECK(options.max_connections == 256);
  CHECK(options.max_unauthenticated == 100);
  CHECK(options.max_unauthenticated_per_source == 8);
}

TEST_CASE("a zero deadline or cap is refused with a sentence", "[net][options]") {
  app::ChannelOptions channel;
  app::ListenerLimits limits;
  parse({"--write-timeout", "0"}, channel, limits);
  CHECK_THROWS_WITH(app::resolve_listener_options(limits, channel),
                    Catch::Contains("--write-timeout"));
  app::ChannelOptions fine;
  limits.max_unauthenticated_per_source = 0;
  CHECK_THROWS_AS(app::resolve_listener_options(limits, fine), std::invalid_argument);
}
