// The pieces that fetch a missing intermediate: the caIssuers URIs of a
// certificate (RFC 5280 4.2.2.1), the formats such a URI serves (DER, PEM,
// certs-only PKCS#7), and a plain-HTTP GET on the loop against a loopback
// server that answers with a certificate, a 404, or garbage.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "tls/certificate.h"
#include "tls/http_get.h"
#include "test_certs.h"

namespace smtpdiag {
namespace {

std::string subject_cn(X509* x) {
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn - 1);
  return cn;
}

TEST(CaIssuerUrls, ListsCaIssuersInOrderAndSkipsOcsp) {
  auto x = make_cert("leaf", "OCSP;URI:http://ocsp.example.test/,caIssuers;URI:http://ca.example.test/i.der,"
                             "caIssuers;URI:ldap://ca.example.test/cn=i");
  EXPECT_EQ(ca_issuer_urls(x.get()),
            (std::vector<std::string>{"http://ca.example.test/i.der", "ldap://ca.example.test/cn=i"}));
}

TEST(CaIssuerUrls, NoneWithoutTheExtension) {
  auto x = make_cert("leaf", nullptr);
  EXPECT_TRUE(ca_issuer_urls(x.get()).empty());
}

TEST(CaIssuerUrls, RefusesControlBytesAndSpaces) {
  // Such a URI would reach a request line and a finding's text.
  auto x = make_cert("leaf", "caIssuers;URI:http://ca.example.test/a b");
  EXPECT_TRUE(ca_issuer_urls(x.get()).empty());
}

TEST(ParseCertificates, DerPemAndPkcs7) {
  auto a = make_cert("first", nullptr);
  auto b = make_cert("second", nullptr);
  auto der = parse_certificates(der_of(a.get()));
  ASSERT_EQ(der.size(), 1u);
  EXPECT_EQ(subject_cn(der[0].get()), "first");

  auto pem = parse_certificates(pem_of(a.get()) + pem_of(b.get()));
  ASSERT_EQ(pem.size(), 2u);
  EXPECT_EQ(subject_cn(pem[1].get()), "second");

  PKCS7* p7 = PKCS7_new();
  PKCS7_set_type(p7, NID_pkcs7_signed);
  PKCS7_content_new(p7, NID_pkcs7_data);
  PKCS7_add_certificate(p7, a.get());
  PKCS7_add_certificate(p7, b.get());
  unsigned char* buf = nullptr;
  const int n = i2d_PKCS7(p7, &buf);
  ASSERT_GT(n, 0);
  auto got = parse_certificates(std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(n)));
  OPENSSL_free(buf);
  PKCS7_free(p7);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(subject_cn(got[0].get()), "first");
}

TEST(ParseCertificates, GarbageIsNothing) {
  EXPECT_TRUE(parse_certificates("").empty());
  EXPECT_TRUE(parse_certificates("<html>not found</html>").empty());
  EXPECT_TRUE(parse_certificates(std::string("\x30\x82\xff\xff", 4)).empty());
}

// One-connection HTTP server on 127.0.0.1 (an ephemeral port) that sends
// `response` after reading the request head; returns the port.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response) : response_(std::move(response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 1);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[1024];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      request_ = head;
      ::send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  const std::string& request() const { return request_; }

 private:
  std::string response_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string request_;
};

HttpResult plain_get(uint16_t port, const std::string& path) {
  EventLoop loop;
  ConnectorConfig cc;
  cc.connect_timeout = 2;
  std::optional<HttpResult> out;
  const Deadline d = Deadline::after(3.0);
  HttpGet get(loop, nullptr, "127.0.0.1", port, path, true, cc, d, [&](HttpResult&& r) { out = std::move(r); });
  get.start();
  loop.run(d, [&] { return out.has_value(); });
  if (!get.finished()) get.abandon();
  return out.value_or(HttpResult{});
}

TEST(HttpGetPlain, FetchesACertificate) {
  auto x = make_cert("intermediate", nullptr);
  const std::string body = der_of(x.get());
  OneShotServer srv("HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  HttpResult r = plain_get(srv.port(), "/i.der");
  EXPECT_TRUE(r.connected);
  EXPECT_FALSE(r.tls_ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.body, body);
  EXPECT_EQ(parse_certificates(r.body).size(), 1u);
  EXPECT_EQ(srv.request().rfind("GET /i.der HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(srv.port()) + "\r\n", 0), 0u)
      << srv.request();
}

TEST(HttpGetPlain, ReportsStatusAndGarbage) {
  {
    OneShotServer srv("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(plain_get(srv.port(), "/x").status, 404);
  }
  {
    OneShotServer srv("220 mail.example.test ESMTP\r\n");
    HttpResult r = plain_get(srv.port(), "/x");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error, "no valid HTTP response");
  }
}

}  // namespace
}  // namespace smtpdiag
