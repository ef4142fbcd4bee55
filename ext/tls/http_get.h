// A small HTTP client on the call's loop: connect (every address at
// once), TLS verified against the system store and the host name (or
// plain HTTP when no TLS context is given), one GET, a bounded response
// (RFC 9112: status line, headers, Content-Length or chunked or close).
// For MTA-STS policies (RFC 8461 3.3), "does HTTPS to this host work" in
// diagnose, and a certificate's missing intermediate (AIA caIssuers, plain
// HTTP by RFC 5280 4.2.2.1).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/connector.h"
#include "tls/tls_client.h"

namespace smtpdiag {

struct HttpResult {
  bool connected = false;     // TCP connected
  bool tls_ok = false;        // handshake done
  bool verified = false;      // certificate chain and name verified
  std::string verify_error;
  int status = 0;             // HTTP status, 0 when none
  std::string content_type;
  std::string body;           // at most 128 KiB
  std::string error;          // what went wrong, readable
  std::string address;        // where it connected
  PortState connect_state = PortState::Error;
  double connect_ms = 0;
  double tls_ms = 0;
  double total_ms = 0;
};

class HttpGet {
 public:
  using Done = std::function<void(HttpResult&&)>;
  // `ctx`: null for plain HTTP. `fetch`: false stops once connected (and,
  // with TLS, after the handshake): reachability only.
  HttpGet(EventLoop& loop, SSL_CTX* ctx, std::string host, uint16_t port, std::string path,
           bool fetch, ConnectorConfig net, Deadline deadline, Done done);
  ~HttpGet();
  void start();
  void abandon();
  bool finished() const { return finished_; }

 private:
  void on_connected(ConnectorResult&& r);
  void on_io(uint32_t events);
  void step();
  void parse_and_finish();
  void finish(const std::string& error);
  TlsSession::Io write_some();
  TlsSession::Io read_some(size_t max);

  EventLoop& loop_;
  SSL_CTX* ctx_;
  std::string host_, path_;
  uint16_t port_;
  bool fetch_;
  Deadline deadline_;
  Done done_;
  TimePoint t0_{}, tls_started_{};
  std::unique_ptr<Connector> connector_;
  UniqueFd fd_;
  std::unique_ptr<TlsSession> tls_;
  enum class Phase { Connect, Handshake, Write, Read, Done } phase_ = Phase::Connect;
  std::string request_;
  std::string plain_error_;
  size_t written_ = 0;
  std::string response_;
  EventLoop::TimerId timer_ = 0;
  HttpResult result_;
  bool finished_ = false;
};

}  // namespace smtpdiag
