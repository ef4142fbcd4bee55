// OpenSSL over our own non-blocking sockets: a client context (CA store,
// versions) and one session per connection, stepped by the event loop.
// Writes never raise SIGPIPE (our BIO sends with MSG_NOSIGNAL).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

namespace smtpdiag {

struct SslCtxDeleter { void operator()(SSL_CTX* c) const { SSL_CTX_free(c); } };
struct SslDeleter { void operator()(SSL* s) const { SSL_free(s); } };
struct X509Deleter { void operator()(X509* x) const { X509_free(x); } };
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct TlsClientOptions {
  std::string ca_file;   // PEM bundle; empty: OpenSSL's default store
  std::string ca_path;   // hashed directory; empty: none
  // Diagnosis wants to see old servers to name their versions, so the
  // floor is TLS 1.0 at security level 0; judging is done afterwards.
  bool allow_legacy = true;
  // The highest version to offer (TLS1_VERSION...), 0 for OpenSSL's own:
  // pinned to find which old versions a server speaks.
  int max_version = 0;
};

// A client context; `error` is set when it could not be built (bad CA file).
// With `store`, the context trusts that store (shared, not copied) and
// options' CA locations are not read (trust_cache.h builds them).
SslCtxPtr make_client_context(const TlsClientOptions& options, std::string* error,
                              X509_STORE* store = nullptr);

// Builds the process-wide pieces TLS sessions share (our socket BIO
// method) now; global_init() calls it once, in MINIT.
void tls_prepare();

// Drains OpenSSL's error queue into one readable line.
std::string openssl_error_string();

class TlsSession {
 public:
  enum class Io { Done, WantRead, WantWrite, Closed, Failed };

  // `sni`: a DNS name, or empty for none (never an IP literal).
  TlsSession(SSL_CTX* ctx, int fd, const std::string& sni);
  bool ok() const { return static_cast<bool>(ssl_); }

  Io handshake();
  // Reads into `out` (appends); Done with 0 appended never happens.
  Io read(std::string* out, size_t max);
  // Writes all of `data` or reports WantWrite with `*written` set.
  Io write(const std::string& data, size_t* written);

  const std::string& error() const { return error_; }
  std::string protocol() const;
  std::string cipher() const;
  long verify_result() const;
  SSL* ssl() const { return ssl_.get(); }
  // The server answered the ClientHello with an SMTP reply in clear text.
  bool peer_spoke_plaintext_smtp() const;

  struct BioState {
    int fd = -1;
    char first[8] = {};
    size_t first_len = 0;
  };

 private:
  std::unique_ptr<BioState> bio_state_;
  Io map(int rc, const char* what);
  SslPtr ssl_;
  std::string error_;
};

}  // namespace smtpdiag
