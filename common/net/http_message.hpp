#pragma once
// What an HTTP handler sees and answers (HttpListener, common/net/http_listener.hpp). Plain
// values, no Beast and no Asio, so that the code answering requests (the TTP's revocation
// endpoints, health and metrics pages) is testable and fuzzable without a socket.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sc::net {

struct HttpRequest {
  std::string method;          // as sent, case-sensitive (RFC 9110 section 9.1): "GET", "POST"
  std::string target;          // the request-target as sent, percent-encoding kept: "/ocsp/MEow"
  std::string content_type;    // the Content-Type field, empty when absent
  std::string body;            // at most HttpListenerOptions::max_body_bytes
  std::string peer;            // "127.0.0.1:40112", for logs
  std::string source_address;  // "127.0.0.1", for per-source limits

  // The target's path: without its query ("?...") part, and without the scheme and authority
  // of the absolute form ("http://host:port/ocsp" -> "/ocsp", RFC 9112 section 3.2.2).
  std::string_view path() const {
    std::string_view whole(target);
    whole = whole.substr(0, whole.find('?'));
    for (const std::string_view scheme : {"http://", "https://"}) {
      if (whole.substr(0, scheme.size()) == scheme) {
        const auto slash = whole.find('/', scheme.size());
        return slash == std::string_view::npos ? std::string_view("/") : whole.substr(slash);
      }
    }
    return whole;
  }
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Further header fields, e.g. {"Allow", "GET, POST"} with a 405 (RFC 9110 section 15.5.6)
  // or {"Cache-Control", "max-age=300"}. Content-Type, Content-Length, Date and Connection are
  // set by the listener.
  std::vector<std::pair<std::string, std::string>> fields;

  // A text/plain answer: the sentence and a newline.
  static HttpResponse text(unsigned status, std::string sentence) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(sentence) + "\n";
    return response;
  }
  // A binary answer of the given media type.
  static HttpResponse binary(std::string content_type, std::string body) {
    HttpResponse response;
    response.content_type = std::move(content_type);
    response.body = std::move(body);
    return response;
  }
  HttpResponse& with_field(std::string name, std::string value) {
    fields.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace sc::net
