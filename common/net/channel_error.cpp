#include "common/net/channel_error.hpp"

namespace sc::net {
namespace {

class AlertCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "tls-alert"; }
  std::string message(int value) const override {
    return tls::alert_name(static_cast<tls::AlertDescription>(value));
  }
};

class ChannelCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "secure-channel"; }
  std::string message(int value) const override {
    switch (static_cast<ChannelFailure>(value)) {
      case ChannelFailure::handshake_timeout:
        return "handshake not complete by its deadline";
      case ChannelFailure::idle_timeout:
        return "connection idle for too long";
      case ChannelFailure::truncated:
        return "connection closed without close_notify";
      case ChannelFailure::shutting_down:
        return "shutting down";
      case ChannelFailure::connection_limit:
        return "too many concurrent connections";
      case ChannelFailure::write_timeout:
        return "the peer did not read what was sent within the write deadline";
      case ChannelFailure::evicted:
        return "evicted before the handshake completed, to make room for newer connections";
    }
    return "unknown channel failure";
  }
};

}  // namespace

const std::error_category& alert_category() {
  static const AlertCategory category;
  return category;
}

const std::error_category& channel_category() {
  static const ChannelCategory category;
  return category;
}

std::error_code make_error_code(tls::AlertDescription alert) {
  return {static_cast<int>(alert), alert_category()};
}

std::error_code make_error_code(ChannelFailure failure) {
  return {static_cast<int>(failure), channel_category()};
}

}  // namespace sc::net
