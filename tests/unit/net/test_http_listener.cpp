// net::HttpListener against real sockets on 127.0.0.1: requests and keep-alive, the body and
// header limits (413, 431), malformed requests (400), the request deadline, the connection caps,
// the per-connection request cap, a failing handler (500), Expect: 100-continue, HEAD, and
// stop(). Every wait is bounded (kBound) and polls for the event, never for a time.
#include <catch2/catch.hpp>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/net/http_listener.hpp"

using namespace sc;
using namespace std::chrono_literals;
namespace asio = net::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::tcp;

namespace {

constexpr auto kBound = std::chrono::seconds(10);

// A listener on 127.0.0.1:0 served by one thread, stopped and joined at the end of the test.
struct RunningListener {
  RunningListener(net::HttpListenerOptions options, net::HttpHandler handler)
      : listener(io, std::move(options), std::move(handler)) {
    listener.start();
    thread = std::thread([this] { io.run(); });
  }
  ~RunningListener() {
    listener.stop();
    if (thread.joinable()) thread.join();
  }
  std::uint16_t port() const { return listener.port(); }

  asio::io_context io;
  net::HttpListener listener;
  std::thread thread;
};

// A blocking HTTP client whose every operation ends within kBound.
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(io_) {
    beast::error_code error;
    stream_.expires_after(kBound);
    stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                          [&error](beast::error_code result) { error = result; });
    run();
    if (error) throw std::runtime_error("connect failed: " + error.message());
  }

  // False when the server has closed the connection already.
  bool send(const std::string& raw) {
    beast::error_code error;
    stream_.expires_after(kBound);
    asio::async_write(stream_, asio::buffer(raw),
                      [&error](beast::error_code result, std::size_t) { error = result; });
    run();
    return !error;
  }

  // The next response; nullopt when the connection ended instead (closed or reset).
  std::optional<http::response<http::string_body>> response(bool to_head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(to_head);
    beast::error_code error;
    stream_.expires_after(kBound);
    http::async_read(stream_, buffer_, parser,
                     [&error](beast::error_code result, std::size_t) { error = result; });
    run();
    if (error == beast::error::timeout) {
      throw std::runtime_error("neither a response nor a close within the bound");
    }
    if (error) return std::nullopt;
    return parser.release();
  }

  // True when the server closes the connection (EOF or reset) before sending another byte.
  bool closed_by_server() {
    if (buffer_.size() > 0) return false;
    char byte = 0;
    beast::error_code error;
    std::size_t received = 0;
    stream_.expires_after(kBound);
    stream_.async_read_some(asio::buffer(&byte, 1),
                            [&](beast::error_code result, std::size_t count) {
                              error = result;
                              received = count;
                            });
    run();
    if (error == beast::error::timeout) return false;
    return received == 0 && (error == asio::error::eof || error == asio::error::connection_reset);
  }

 private:
  void run() {
    io_.restart();
    io_.run();
  }

  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

std::string post(const std::string& target, const std::string& body) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: test\r\nContent-Type: application/ocsp-request\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Answers "METHOD TARGET BODY SOURCE" and counts the requests it saw.
struct EchoHandler {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  net::HttpResponse operator()(const net::HttpRequest& request) const {
    ++*calls;
    return net::HttpResponse::text(200, request.method + " " + request.target + " " + request.body +
                                            " " + request.source_address);
  }
};

net::HttpListenerOptions small_options() {
  net::HttpListenerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.max_body_bytes = 1024;
  options.max_header_bytes = 1024;
  options.request_timeout = std::chrono::milliseconds(30'000);
  options.write_timeout = std::chrono::milliseconds(5'000);
  return options;
}

// Polls until condition holds or kBound passes.
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

}  // namespace

TEST_CASE("HttpListener answers requests and keeps the connection alive", "[net][http]") {
  EchoHandler handler;
  RunningListener server(small_options(), handler);
  REQUIRE(server.port() != 0);
  Client client(server.port());

  REQUIRE(client.send(get("/ca.crt?x=1")));
  auto first = client.response();
  REQUIRE(first);
  CHECK(first->result_int() == 200);
  CHECK(first->body() == "GET /ca.crt?x=1  127.0.0.1\n");
  CHECK(first->keep_alive());
  CHECK((*first)[http::field::content_type] == "text/plain; charset=utf-8");
  CHECK(!(*first)[http::field::date].empty());

  REQUIRE(client.send(post("/ocsp", "abc")));
  auto second = client.response();
  REQUIRE(second);
  CHECK(second->body() == "POST /ocsp abc 127.0.0.1\n");
  CHECK(*handler.calls == 2);
  CHECK(server.listener.counters().requests == 2);
}

TEST_CASE("HttpRequest::path drops the query and the absolute form's scheme and authority",
          "[net][http]") {
  net::HttpRequest request;
  request.target = "/ocsp/AB%2F?cache=no";
  CHECK(request.path() == "/ocsp/AB%2F");
  request.target = "/ca.crl";
  CHECK(request.path() == "/ca.crl");
  request.target = "http://127.0.0.1:8080/ca.crl?x";  // absolute form, as through a proxy
  CHECK(request.path() == "/ca.crl");
  request.target = "http://127.0.0.1:8080";
  CHECK(request.path() == "/");
}

TEST_CASE("HttpListener refuses a body over the limit with 413 before reading it", "[net][http]") {
  EchoHandler handler;
  RunningListener server(small_options(), handler);
  Client client(server.port());
  // Only the header: the 413 must come from the announced length, without the body.
  REQUIRE(client.send("POST /ocsp HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n"));
  auto answer = client.response();
  REQUIRE(answer);
  CHECK(answer->result_int() == 413);
  CHECK(answer->body().find("1024 bytes") != std::string::npos);
  CHECK_FALSE(answer->keep_alive());
  CHECK(client.closed_by_server());
  CHECK(*handler.calls == 0);
  CHECK(server.listener.counters().rejected == 1);

  // A body within the limit is served.
  Client honest(server.port());
  REQUIRE(honest.send(post("/ocsp", std::string(1024, 'x'))));
  auto served = honest.response();
  REQUIRE(served);
  CHECK(served->result_int() == 200);
}

TEST_CASE("HttpListener refuses a chunked body that grows over the limit with 413", "[net][http]") {
  EchoHandler handler;
  RunningListener server(small_options(), handler);
  Client client(server.port());
  const std::string chunk(800, 'y');
  REQUIRE(
      client.send("POST /ocsp HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" +
                  chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto answer = client.response();
  REQUIRE(answer);
  CHECK(answer->result_int() == 413);
  CHECK(*handler.calls == 0);
}

TEST_CASE("HttpListener refuses header fields over the limit with 431", "[net][http]") {
  EchoHandler handler;
  RunningListener server(small_options(), handler);
  Client client(server.port());
  REQUIRE(client.send(get("/ca.crl", "X-Padding: " + std::string(2000, 'p') + "\r\n")));
  auto answer = client.response();
  REQUIRE(answer);
  CHECK(answer->result_int() == 431);
  CHECK(client.closed_by_server());
  CHECK(*handler.calls == 0);
}

TEST_CASE("HttpListener answers what is not HTTP with 400 and closes", "[net][http]") {
  EchoHandler handler;
  RunningListener server(small_options(), handler);
  Client client(server.port());
  REQUIRE(client.send("HELLO THERE\r\n\r\n"));
  auto answer = client.response();
  REQUIRE(answer);
  CHECK(answer->result_int() == 400);
  CHECK(client.closed_by_server());
  CHECK(*handler.calls == 0);
}

TEST_CASE("HttpListener closes a connection whose request is not complete by the deadline",
          "[net][http]") {
  EchoHandler handler;
  auto options = small_options();
  options.request_timeout = 200ms;
  RunningListener server(options, handler);

  SECTION("a request that stops halfway") {
    Client client(server.port());
    REQUIRE(client.send("GET /ca.crl HTTP/1.1\r\nHost: te"));
    CHECK(client.closed_by_server());
  }
  SECTION("an idle keep-alive connection after its first answer") {
    Client client(server.port());
    REQUIRE(client.send(get("/ca.crl")));
    auto answer = client.response();
    REQUIRE(answer);
    CHECK(answer->keep_alive());
    CHECK(client.closed_by_server());
  }
  CHECK(eventually([&] { return server.listener.counters().timed_out == 1; }));
  CHECK(eventually([&] { return server.listener.counters().active == 0; }));
}

TEST_CASE("HttpListener holds at most max_connections; a freed place is taken again",
          "[net][http]") {
  EchoHandler handler;
  auto options = small_options();
  options.max_connections = 2;
  options.max_connections_per_source = 0;
  RunningListener server(options, handler);

  // Two connections, each admitted (its request answered) and kept open.
  auto first = std::make_unique<Client>(server.port());
  Client second(server.port());
  for (Client* client : {first.get(), &second}) {
    REQUIRE(client->send(get("/ca.crl")));
    REQUIRE(client->response());
  }
  REQUIRE(server.listener.counters().active == 2);

  // The third is closed at once, unanswered.
  Client third(server.port());
  third.send(get("/ca.crl"));
  CHECK_FALSE(third.response());
  CHECK(server.listener.counters().refused >= 1);

  // The admitted ones are still served.
  REQUIRE(second.send(get("/still")));
  auto still = second.response();
  REQUIRE(still);
  CHECK(still->result_int() == 200);

  // Once the first leaves, a new connection is served again.
  first.reset();
  CHECK(eventually([&] {
    Client next(server.port());
    if (!next.send(get("/again"))) return false;
    auto answer = next.response();
    return answer && answer->result_int() == 200;
  }));
}

TEST_CASE("HttpListener holds at most max_connections_per_source from one address", "[net][http]") {
  EchoHandler handler;
  auto options = small_options();
  options.max_connections = 10;
  options.max_connections_per_source = 1;
  RunningListener server(options, handler);
  Client first(server.port());
  REQUIRE(first.send(get("/a")));
  REQUIRE(first.response());
  Client second(server.port());
  second.send(get("/b"));
  CHECK_FALSE(second.response());
  CHECK(server.listener.counters().refused == 1);
}

TEST_CASE("HttpListener closes a connection after max_requests_per_connection", "[net][http]") {
  EchoHandler handler;
  auto options = small_options();
  options.max_requests_per_connection = 2;
  RunningListener server(options, handler);
  Client client(server.port());
  REQUIRE(client.send(get("/1")));
  auto first = client.response();
  REQUIRE(first);
  CHECK(first->keep_alive());
  REQUIRE(client.send(get("/2")));
  auto second = client.response();
  REQUIRE(second);
  CHECK_FALSE(second->keep_alive());  // "Connection: close" on the last one
  CHECK(client.closed_by_server());
}

TEST_CASE("HttpListener honours Connection: close from the client", "[net][http]") {
  EchoHandler handler;
  RunningListener server(small_options(), handler);
  Client client(server.port());
  REQUIRE(client.send(get("/1", "Connection: close\r\n")));
  auto answer = client.response();
  REQUIRE(answer);
  CHECK_FALSE(answer->keep_alive());
  CHECK(client.closed_by_server());
}

TEST_CASE("HttpListener turns a handler's exception into 500 and closes", "[net][http]") {
  RunningListener server(small_options(), [](const net::HttpRequest&) -> net::HttpResponse {
    throw std::runtime_error("the registry is gone");
  });
  Client client(server.port());
  REQUIRE(client.send(get("/crash")));
  auto answer = client.response();
  REQUIRE(answer);
  CHECK(answer->result_int() == 500);
  CHECK(answer->body().find("registry") == std::string::npos);  // no internals to the client
  CHECK(client.closed_by_server());
}

TEST_CASE("HttpListener answers Expect: 100-continue, then the request", "[net][http]") {
  EchoHandler handler;
  RunningListener server(small_options(), handler);
  Client client(server.port());
  REQUIRE(client.send(
      "POST /ocsp HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto go_on = client.response();
  REQUIRE(go_on);
  CHECK(go_on->result_int() == 100);
  REQUIRE(client.send("hello"));
  auto answer = client.response();
  REQUIRE(answer);
  CHECK(answer->result_int() == 200);
  CHECK(answer->body() == "POST /ocsp hello 127.0.0.1\n");
}

TEST_CASE("HttpListener sends only the header for HEAD", "[net][http]") {
  RunningListener server(small_options(), [](const net::HttpRequest&) {
    return net::HttpResponse::binary("application/pkix-crl", std::string(100, 'c'));
  });
  Client client(server.port());
  REQUIRE(client.send("HEAD /ca.crl HTTP/1.1\r\nHost: test\r\n\r\n"));
  auto head = client.response(/*to_head=*/true);
  REQUIRE(head);
  CHECK(head->result_int() == 200);
  CHECK((*head)[http::field::content_length] == "100");
  CHECK(head->body().empty());
  // The next answer on the connection starts where it should: no body bytes were sent.
  REQUIRE(client.send(get("/ca.crl")));
  auto full = client.response();
  REQUIRE(full);
  CHECK(full->body().size() == 100);
}

TEST_CASE("HttpListener::stop closes open connections and lets run() return", "[net][http]") {
  EchoHandler handler;
  auto server = std::make_unique<RunningListener>(small_options(), handler);
  Client client(server->port());
  REQUIRE(client.send(get("/1")));
  REQUIRE(client.response());
  server->listener.stop();
  CHECK(client.closed_by_server());
  CHECK(eventually([&] { return server->listener.counters().active == 0; }));
  server.reset();  // joins the thread: run() returned
}
