#include "common/net/http_listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <limits>
#include <optional>

#include "common/net/acceptor.hpp"
#include "common/net/tls_stream.hpp"  // duration_text

namespace sc::net {
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

using Parser = http::request_parser<http::string_body>;

// After an answer that closes the connection: what the peer still sends is read and dropped
// this long at most, and this much at most, so that our answer reaches it before the close
// (closing a socket with unread data makes the kernel send a reset, and the peer may then lose
// the answer it has not read yet).
constexpr auto kLingerLimit = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 64 * 1024;
constexpr auto kAcceptBackOff = std::chrono::milliseconds(100);
// Room in the read buffer beyond the header and body limits, for chunked framing.
constexpr std::size_t kFramingSlack = 4 * 1024;

std::string endpoint_label(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

// RFC 9110 section 5.6.7: IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (fixed English names,
// whatever the process locale).
std::string http_date(std::chrono::system_clock::time_point when) {
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days.at(utc.tm_wday),
                utc.tm_mday, months.at(utc.tm_mon), utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}

std::uint32_t as_limit(std::size_t value) {
  return static_cast<std::uint32_t>(
      std::min<std::size_t>(value, std::numeric_limits<std::uint32_t>::max()));
}

bool is_http_error(const beast::error_code& error) {
  return error.category() == http::make_error_code(http::error::bad_method).category();
}

// The answer the listener gives itself when the parser refuses a request; nullopt when the
// connection just ends (the peer closed or vanished, the deadline passed, the listener stops).
std::optional<HttpResponse> refusal_for(const beast::error_code& error,
                                        const HttpListenerOptions& options) {
  if (error == http::error::header_limit) {
    return HttpResponse::text(431, "the request line and header fields exceed " +
                                       std::to_string(options.max_header_bytes) + " bytes");
  }
  if (error == http::error::body_limit) {
    return HttpResponse::text(
        413, "the request body exceeds " + std::to_string(options.max_body_bytes) + " bytes");
  }
  if (error == http::error::buffer_overflow) {
    return HttpResponse::text(431, "the request is larger than this server reads");
  }
  if (error == http::error::end_of_stream || error == http::error::partial_message) {
    return std::nullopt;
  }
  if (is_http_error(error)) {
    return HttpResponse::text(400, "the request is not valid HTTP/1.1: " + error.message());
  }
  return std::nullopt;
}

}  // namespace

class HttpListener::Session {
 public:
  Session(tcp::socket socket, std::uint64_t id_, asio::ip::address source_, std::string peer_)
      : stream(std::move(socket)), id(id_), source(std::move(source_)), peer(std::move(peer_)) {}

  // From any thread: closes the connection on its own strand, which ends what it awaits.
  void close_soon(const std::shared_ptr<Session>& self) {
    asio::post(stream.get_executor(), [self] { self->stream.close(); });
  }

  beast::tcp_stream stream;
  const std::uint64_t id;
  const asio::ip::address source;
  const std::string peer;
};

HttpListener::HttpListener(asio::io_context& io, HttpListenerOptions options, HttpHandler handler)
    : io_(io),
      options_(std::move(options)),
      handler_(std::move(handler)),
      acceptor_(asio::make_strand(io)) {
  port_ = open_listening(acceptor_, options_.host, options_.port);
}

HttpListener::~HttpListener() {
  stop();
}

HttpListenerCounters HttpListener::counters() const {
  std::lock_guard lock(sessions_mutex_);
  return {sessions_.size(), refused_.load(), requests_.load(), rejected_.load(), timed_out_.load()};
}

void HttpListener::start() {
  spdlog::info(
      "{}: HTTP on {}:{} (at most {} connections, {} per address; header {} bytes, body {} "
      "bytes; request deadline {}, write deadline {}, {} requests per connection)",
      options_.name, options_.host, port_, options_.max_connections,
      options_.max_connections_per_source, options_.max_header_bytes, options_.max_body_bytes,
      duration_text(options_.request_timeout), duration_text(options_.write_timeout),
      options_.max_requests_per_connection);
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void HttpListener::stop() {
  if (stopping_.exchange(true)) return;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::lock_guard lock(sessions_mutex_);
  if (!sessions_.empty()) {
    spdlog::info("{}: closing {} open HTTP connection(s)", options_.name, sessions_.size());
  }
  for (const auto& [id, session] : sessions_) session->close_soon(session);
}

asio::awaitable<void> HttpListener::accept_loop() {
  bool backing_off = false;
  while (!stopping_) {
    boost::system::error_code error;
    tcp::socket socket = co_await acceptor_.async_accept(
        asio::make_strand(io_), asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (stopping_ || error == asio::error::operation_aborted) break;
      if (!backing_off) {
        spdlog::warn("{}: accept failed: {}; retrying every {}", options_.name, error.message(),
                     duration_text(kAcceptBackOff));
        backing_off = true;
      }
      asio::steady_timer pause(acceptor_.get_executor());
      pause.expires_after(kAcceptBackOff);
      boost::system::error_code ignored;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    backing_off = false;
    admit(std::move(socket));
  }
  spdlog::info("{}: HTTP listener on port {} stopped accepting", options_.name, port_);
}

void HttpListener::admit(tcp::socket socket) {
  boost::system::error_code error;
  const tcp::endpoint endpoint = socket.remote_endpoint(error);
  if (error) return;  // the peer is gone already
  const std::string label = endpoint_label(endpoint);
  const asio::ip::address source = endpoint.address();
  std::lock_guard lock(sessions_mutex_);
  const auto from_source = per_source_.find(source);
  const std::size_t source_count = from_source == per_source_.end() ? 0 : from_source->second;
  std::string refusal;
  if (stopping_) {
    refusal = "the listener is stopping";
  } else if (sessions_.size() >= options_.max_connections) {
    refusal = std::to_string(sessions_.size()) + " connections are open (the limit)";
  } else if (options_.max_connections_per_source > 0 &&
             source_count >= options_.max_connections_per_source) {
    refusal = source.to_string() + " has " + std::to_string(source_count) +
              " connections open (the limit per address)";
  }
  if (!refusal.empty()) {
    ++refused_;
    // One warning when refusals start, not one per refused connection.
    if (!refusing_) spdlog::warn("{}: refusing {}: {}", options_.name, label, refusal);
    refusing_ = true;
    socket.close(error);
    return;
  }
  refusing_ = false;
  socket.set_option(tcp::no_delay(true), error);
  const std::uint64_t id = next_id_++;
  auto session = std::make_shared<Session>(std::move(socket), id, source, label);
  sessions_.emplace(id, session);
  ++per_source_[source];
  auto executor = session->stream.get_executor();
  asio::co_spawn(executor, serve(std::move(session)), asio::detached);
}

void HttpListener::forget(std::uint64_t id, const asio::ip::address& source) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(id);
  auto from_source = per_source_.find(source);
  if (from_source != per_source_.end() && --from_source->second == 0) {
    per_source_.erase(from_source);
  }
}

namespace {

HttpRequest request_from(const http::request<http::string_body>& message, const std::string& peer,
                         const asio::ip::address& source) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  if (const auto type = message.find(http::field::content_type); type != message.end()) {
    request.content_type = std::string(type->value());
  }
  request.body = message.body();
  request.peer = peer;
  request.source_address = source.to_string();
  return request;
}

http::response<http::string_body> response_from(HttpResponse answer, unsigned version,
                                                bool keep_alive) {
  http::response<http::string_body> response(static_cast<http::status>(answer.status), version);
  response.set(http::field::date, http_date(std::chrono::system_clock::now()));
  response.set(http::field::content_type, answer.content_type);
  for (const auto& [name, value] : answer.fields) response.set(name, value);
  response.body() = std::move(answer.body);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

// Writes the answer (only its header for HEAD, RFC 9110 section 9.3.2) within the deadline.
asio::awaitable<beast::error_code> write_answer(beast::tcp_stream& stream,
                                                http::response<http::string_body>& response,
                                                bool header_only,
                                                std::chrono::milliseconds deadline) {
  beast::error_code error;
  stream.expires_after(deadline);
  http::response_serializer<http::string_body> serializer(response);
  if (header_only) {
    co_await http::async_write_header(stream, serializer,
                                      asio::redirect_error(asio::use_awaitable, error));
  } else {
    co_await http::async_write(stream, serializer,
                               asio::redirect_error(asio::use_awaitable, error));
  }
  co_return error;
}

// Our side ends the connection: FIN first, then drop what the peer still sends (bounded), then
// close.
asio::awaitable<void> linger_and_close(beast::tcp_stream& stream) {
  beast::error_code error;
  stream.socket().shutdown(tcp::socket::shutdown_send, error);
  stream.expires_after(kLingerLimit);
  std::array<char, 4096> sink{};
  std::size_t drained = 0;
  while (!error && drained < kLingerBytes) {
    drained += co_await stream.async_read_some(asio::buffer(sink),
                                               asio::redirect_error(asio::use_awaitable, error));
  }
  stream.close();
}

bool expects_continue(const http::request<http::string_body>& message) {
  const auto expect = message.find(http::field::expect);
  return message.version() >= 11 && expect != message.end() &&
         beast::iequals(expect->value(), "100-continue");
}

}  // namespace

asio::awaitable<void> HttpListener::serve(std::shared_ptr<Session> session) {
  beast::tcp_stream& stream = session->stream;
  const std::string& peer = session->peer;
  spdlog::debug("{}: {} connected", options_.name, peer);
  bool close_ourselves = false;  // whether our side ends the connection (then linger)
  try {
    beast::flat_buffer buffer(options_.max_header_bytes + options_.max_body_bytes + kFramingSlack);
    for (std::size_t served = 0; !stopping_;) {
      Parser parser;
      parser.header_limit(as_limit(options_.max_header_bytes));
      parser.body_limit(options_.max_body_bytes);
      const auto deadline = std::chrono::steady_clock::now() + options_.request_timeout;
      stream.expires_at(deadline);
      beast::error_code error;
      co_await http::async_read_header(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, error));
      if (!error && !parser.is_done() && expects_continue(parser.get())) {
        // RFC 9110 section 10.1.1: the body is within the limit (the parser checked the
        // announced Content-Length), so the client may send it.
        http::response<http::empty_body> go_on(http::status::continue_, parser.get().version());
        stream.expires_after(options_.write_timeout);
        co_await http::async_write(stream, go_on, asio::redirect_error(asio::use_awaitable, error));
        stream.expires_at(deadline);
      }
      if (!error && !parser.is_done()) {
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, error));
      }
      if (error == beast::error::timeout) {
        ++timed_out_;
        spdlog::info("{}: {}: no complete request within {}; connection closed", options_.name,
                     peer, duration_text(options_.request_timeout));
        break;
      }
      if (error) {
        auto refusal = refusal_for(error, options_);
        if (!refusal) break;  // the peer closed, vanished, or the listener stops
        ++rejected_;
        spdlog::info("{}: {}: refused with {}: {}", options_.name, peer, refusal->status,
                     refusal->body.substr(0, refusal->body.size() - 1));
        auto response = response_from(std::move(*refusal), 11, false);
        const beast::error_code written =
            co_await write_answer(stream, response, false, options_.write_timeout);
        close_ourselves = !written;
        break;
      }

      const http::request<http::string_body>& message = parser.get();
      const HttpRequest request = request_from(message, peer, session->source);
      ++served;
      ++requests_;
      bool handler_failed = false;
      HttpResponse answer;
      try {
        answer = handler_(request);
      } catch (const std::exception& failure) {
        spdlog::error("{}: {}: {} {} failed: {}", options_.name, peer, request.method,
                      request.target.substr(0, 64), failure.what());
        answer = HttpResponse::text(500, "the server could not answer; its log says why");
        handler_failed = true;
      }
      const bool keep_alive = message.keep_alive() && !handler_failed && !stopping_ &&
                              served < options_.max_requests_per_connection;
      spdlog::info("{}: {}: {} {} -> {} ({} bytes{})", options_.name, peer, request.method,
                   request.target.substr(0, 80), answer.status, answer.body.size(),
                   keep_alive ? "" : ", closing");
      auto response = response_from(std::move(answer), message.version(), keep_alive);
      const bool header_only = message.method() == http::verb::head;
      const beast::error_code written =
          co_await write_answer(stream, response, header_only, options_.write_timeout);
      if (written) {
        spdlog::info("{}: {}: the answer was not taken within {}: {}", options_.name, peer,
                     duration_text(options_.write_timeout), written.message());
        break;
      }
      if (!keep_alive) {
        close_ourselves = true;
        break;
      }
    }
  } catch (const std::exception& failure) {
    spdlog::error("{}: {}: connection failed: {}", options_.name, peer, failure.what());
  }
  if (close_ourselves) {
    co_await linger_and_close(stream);
  } else {
    stream.close();
  }
  forget(session->id, session->source);
  spdlog::debug("{}: {} closed", options_.name, peer);
}

}  // namespace sc::net
