// A small HTTPS client on the call's loop: connect (every address at
// once), TLS verified against the system store and the host name, one
// GET, a bounded response (RFC 9112: status line, headers, Content-Length
// or chunked or close). For MTA-STS policies (RFC 8461 3.3) and for
// "does HTTPS to this host work" in diagnose.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/connector.h"
#include "tls/tls_client.h"

namespace smtpdiag {

struct HttpsResult {
  bool connected = false;     // TCP connected
  bool tls_ok = false;        // handshake done
  bool verified = false;      // certificate chain and name verified
  std::string verify_error;
  int status = 0;             // HTTP status, 0 when none
  std::string content_type;
  std::string body;           // at most max_body bytes
  std::string error;          // what went wrong, readable
  std::string address;        // where it connected
  PortState connect_state = PortState::Error;
  double connect_ms = 0;
  double tls_ms = 0;
  double total_ms = 0;
};

class HttpsGet {
 public:
  using Done = std::function<void(HttpsResult&&)>;
  // `fetch`: false stops after the handshake (reachability only).
  HttpsGet(EventLoop& loop, SSL_CTX* ctx, std::string host, uint16_t port, std::string path,
           bool fetch, ConnectorConfig net, Deadline deadline, Done done);
  ~HttpsGet();
  void start();
  void abandon();
  bool finished() const { return finished_; }

 private:
  void on_connected(ConnectorResult&& r);
  void on_io(uint32_t events);
  void step();
  void parse_and_finish();
  void finish(const std::string& error);

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
  size_t written_ = 0;
  std::string response_;
  EventLoop::TimerId timer_ = 0;
  HttpsResult result_;
  bool finished_ = false;
};

}  // namespace smtpdiag
