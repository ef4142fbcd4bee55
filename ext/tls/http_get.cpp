#include "tls/http_get.h"

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/epoll.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace smtpdiag {

namespace {
constexpr size_t kMaxResponse = 128 * 1024;
}

HttpGet::HttpGet(EventLoop& loop, SSL_CTX* ctx, std::string host, uint16_t port, std::string path,
                   bool fetch, ConnectorConfig net, Deadline deadline, Done done)
    : loop_(loop), ctx_(ctx), host_(std::move(host)), path_(std::move(path)), port_(port), fetch_(fetch),
      deadline_(deadline), done_(std::move(done)) {
  net.host = host_;
  net.port = port_;
  connector_ = std::make_unique<Connector>(loop_, net, deadline_,
                                           [this](ConnectorResult&& r) { on_connected(std::move(r)); });
}

HttpGet::~HttpGet() {
  if (timer_) loop_.cancel_timer(timer_);
  if (fd_) loop_.unwatch(fd_.get());
}

void HttpGet::start() {
  t0_ = Clock::now();
  timer_ = loop_.add_timer(deadline_.at(), [this] {
    timer_ = 0;
    abandon();
  });
  connector_->start();
}

void HttpGet::abandon() {
  if (finished_) return;
  if (phase_ == Phase::Connect) {
    connector_->abandon();
    return;
  }
  finish("no answer before the deadline");
}

void HttpGet::on_connected(ConnectorResult&& r) {
  if (finished_) return;
  for (const auto& a : r.attempts) {
    if (r.connected && a.address == *r.connected) {
      result_.connect_ms = a.ms;
      result_.connect_state = PortState::Open;
    }
  }
  if (!r.fd) {
    if (!r.attempts.empty()) {
      result_.connect_state = r.attempts.front().state;
      result_.connect_ms = r.attempts.front().ms;
      result_.address = r.attempts.front().address.to_string();
      result_.error = std::string("port ") + std::to_string(port_) + " " +
                      port_state_name(r.attempts.front().state) + " (" + errno_name(r.attempts.front().err) + ")";
    } else {
      result_.error = "DNS: " + r.dns_status;
    }
    finish(result_.error);
    return;
  }
  result_.connected = true;
  result_.address = r.connected->to_string();
  fd_ = std::move(r.fd);
  const bool literal = IpAddress::parse(host_).has_value();
  std::string host_header = host_;
  if (literal && host_.find(':') != std::string::npos) host_header = "[" + host_ + "]";
  if ((ctx_ && port_ != 443) || (!ctx_ && port_ != 80)) host_header += ":" + std::to_string(port_);
  request_ = "GET " + path_ + " HTTP/1.1\r\nHost: " + host_header + "\r\nUser-Agent: smtpdiag\r\n" +
             "Accept: */*\r\nConnection: close\r\n\r\n";
  if (!ctx_) {
    if (!fetch_) {
      finish("");
      return;
    }
    phase_ = Phase::Write;
    loop_.watch(fd_.get(), EPOLLIN | EPOLLOUT, [this](uint32_t ev) { on_io(ev); });
    step();
    return;
  }
  tls_ = std::make_unique<TlsSession>(ctx_, fd_.get(), literal ? std::string() : host_);
  if (!tls_->ok()) {
    finish(tls_->error());
    return;
  }
  X509_VERIFY_PARAM* param = SSL_get0_param(tls_->ssl());
  if (literal) X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str());
  else X509_VERIFY_PARAM_set1_host(param, host_.c_str(), 0);
  phase_ = Phase::Handshake;
  tls_started_ = Clock::now();
  loop_.watch(fd_.get(), EPOLLIN | EPOLLOUT, [this](uint32_t ev) { on_io(ev); });
  step();
}

// Plain sockets speak TlsSession's Io so the phases below serve both.
TlsSession::Io HttpGet::write_some() {
  if (tls_) return tls_->write(request_, &written_);
  while (written_ < request_.size()) {
    const ssize_t n = ::send(fd_.get(), request_.data() + written_, request_.size() - written_, MSG_NOSIGNAL);
    if (n > 0) {
      written_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return TlsSession::Io::WantWrite;
    plain_error_ = std::string("send: ") + errno_name(errno);
    return TlsSession::Io::Failed;
  }
  return TlsSession::Io::Done;
}

TlsSession::Io HttpGet::read_some(size_t max) {
  if (tls_) return tls_->read(&response_, max);
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buf, std::min(max, sizeof buf), 0);
    if (n > 0) {
      response_.append(buf, static_cast<size_t>(n));
      return TlsSession::Io::Done;
    }
    if (n == 0) return TlsSession::Io::Closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return TlsSession::Io::WantRead;
    return TlsSession::Io::Failed;
  }
}

void HttpGet::on_io(uint32_t) { step(); }

void HttpGet::step() {
  if (finished_) return;
  uint32_t want = EPOLLIN;
  if (phase_ == Phase::Handshake) {
    const auto io = tls_->handshake();
    if (io == TlsSession::Io::Done) {
      result_.tls_ok = true;
      result_.tls_ms = ms_between(tls_started_, Clock::now());
      const long v = tls_->verify_result();
      result_.verified = v == X509_V_OK && SSL_get0_peer_certificate(tls_->ssl()) != nullptr;
      if (v != X509_V_OK) result_.verify_error = X509_verify_cert_error_string(v);
      if (!fetch_) {
        finish("");
        return;
      }
      if (!result_.verified) {
        // RFC 8461 3.3: a policy from an unverified host must not be used.
        finish("the HTTPS certificate did not verify: " + result_.verify_error);
        return;
      }
      phase_ = Phase::Write;
    } else if (io == TlsSession::Io::WantRead || io == TlsSession::Io::WantWrite) {
      loop_.modify(fd_.get(), io == TlsSession::Io::WantWrite ? EPOLLOUT : EPOLLIN);
      return;
    } else {
      finish(tls_->error().empty() ? "TLS handshake failed" : tls_->error());
      return;
    }
  }
  if (phase_ == Phase::Write) {
    const auto io = write_some();
    if (io == TlsSession::Io::Done) {
      phase_ = Phase::Read;
    } else if (io == TlsSession::Io::WantRead || io == TlsSession::Io::WantWrite) {
      loop_.modify(fd_.get(), io == TlsSession::Io::WantWrite ? EPOLLOUT : EPOLLIN);
      return;
    } else {
      finish(tls_ ? tls_->error() : plain_error_);
      return;
    }
  }
  if (phase_ == Phase::Read) {
    for (;;) {
      const size_t room = kMaxResponse + 1 - std::min(kMaxResponse + 1, response_.size());
      if (room == 0) {
        finish("the response is larger than 128 KiB");
        return;
      }
      const auto io = read_some(room);
      if (io == TlsSession::Io::Done) continue;
      if (io == TlsSession::Io::Closed || io == TlsSession::Io::Failed) {
        parse_and_finish();
        return;
      }
      loop_.modify(fd_.get(), io == TlsSession::Io::WantWrite ? EPOLLOUT : want);
      return;
    }
  }
}

void HttpGet::parse_and_finish() {
  const auto head_end = response_.find("\r\n\r\n");
  if (response_.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) {
    finish("no valid HTTP response");
    return;
  }
  const auto sp = response_.find(' ');
  if (sp == std::string::npos || sp + 4 > response_.size()) {
    finish("no valid HTTP status line");
    return;
  }
  int status = 0;
  for (size_t i = sp + 1; i < sp + 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(response_[i]))) {
      finish("no valid HTTP status line");
      return;
    }
    status = status * 10 + (response_[i] - '0');
  }
  result_.status = status;
  bool chunked = false;
  size_t pos = response_.find("\r\n") + 2;
  while (pos < head_end) {
    const auto eol = response_.find("\r\n", pos);
    std::string line = response_.substr(pos, eol - pos);
    pos = eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name == "content-type") result_.content_type = value;
    if (name == "transfer-encoding") {
      for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      chunked = value.find("chunked") != std::string::npos;
    }
  }
  std::string body = response_.substr(head_end + 4);
  if (chunked) {
    std::string out;
    size_t p = 0;
    for (;;) {
      const auto eol = body.find("\r\n", p);
      if (eol == std::string::npos) break;
      size_t n = 0;
      bool any = false;
      for (size_t i = p; i < eol && std::isxdigit(static_cast<unsigned char>(body[i])); ++i) {
        n = n * 16 + static_cast<size_t>(std::isdigit(static_cast<unsigned char>(body[i]))
                                             ? body[i] - '0'
                                             : std::tolower(static_cast<unsigned char>(body[i])) - 'a' + 10);
        any = true;
        if (n > kMaxResponse) break;
      }
      if (!any || n == 0 || n > kMaxResponse) break;
      if (eol + 2 + n > body.size()) break;
      out.append(body, eol + 2, n);
      p = eol + 2 + n + 2;
    }
    body = out;
  }
  result_.body = body;
  finish("");
}

void HttpGet::finish(const std::string& error) {
  if (finished_) return;
  finished_ = true;
  phase_ = Phase::Done;
  if (!error.empty() && result_.error.empty()) result_.error = error;
  result_.total_ms = ms_between(t0_, Clock::now());
  if (timer_) {
    loop_.cancel_timer(timer_);
    timer_ = 0;
  }
  if (fd_) loop_.unwatch(fd_.get());
  tls_.reset();
  fd_.reset();
  auto done = std::move(done_);
  if (done) done(std::move(result_));
}

}  // namespace smtpdiag
