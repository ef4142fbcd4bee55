#include "tls/tls_client.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>

namespace smtpdiag {

namespace {

// A socket BIO whose writes use MSG_NOSIGNAL: a peer that closes while we
// write must not kill the PHP process with SIGPIPE.
int bio_write(BIO* b, const char* data, int len) {
  BIO_clear_retry_flags(b);
  const int fd = static_cast<TlsSession::BioState*>(BIO_get_data(b))->fd;
  ssize_t n;
  do {
    n = send(fd, data, static_cast<size_t>(len), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(b);
  return static_cast<int>(n);
}

int bio_read(BIO* b, char* data, int len) {
  BIO_clear_retry_flags(b);
  auto* state = static_cast<TlsSession::BioState*>(BIO_get_data(b));
  ssize_t n;
  do {
    n = recv(state->fd, data, static_cast<size_t>(len), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(b);
  // Keep the first bytes the server sent: plaintext "220 ..." where a TLS
  // record was expected means the port wants STARTTLS, not implicit TLS.
  for (ssize_t i = 0; i < n && state->first_len < sizeof state->first; ++i)
    state->first[state->first_len++] = data[i];
  return static_cast<int>(n);
}

int bio_puts(BIO* b, const char* s) { return bio_write(b, s, static_cast<int>(strlen(s))); }

long bio_ctrl(BIO*, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
      return 1;
    default:
      return 0;
  }
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

const BIO_METHOD* nosignal_method() {
  // Built once per process (thread-safe static init); never freed.
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "smtpdiag-socket");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_puts(m, bio_puts);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

}  // namespace

void tls_prepare() { (void)nosignal_method(); }

std::string openssl_error_string() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

SslCtxPtr make_client_context(const TlsClientOptions& options, std::string* error,
                              X509_STORE* store) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    *error = "SSL_CTX_new failed: " + openssl_error_string();
    return nullptr;
  }
  if (options.allow_legacy) {
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0");
  }
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx.get(), options.max_version);
  // We verify ourselves after the handshake: complete it whatever the
  // certificate, so that a bad one can be reported rather than refused.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (store) {
    SSL_CTX_set1_cert_store(ctx.get(), store);
    return ctx;
  }
  int ok = 1;
  if (!options.ca_file.empty() || !options.ca_path.empty()) {
    ok = SSL_CTX_load_verify_locations(ctx.get(),
                                       options.ca_file.empty() ? nullptr : options.ca_file.c_str(),
                                       options.ca_path.empty() ? nullptr : options.ca_path.c_str());
  } else {
    ok = SSL_CTX_set_default_verify_paths(ctx.get());
  }
  if (ok != 1) {
    *error = "cannot load CA bundle " + options.ca_file + ": " + openssl_error_string();
    return nullptr;
  }
  return ctx;
}

TlsSession::TlsSession(SSL_CTX* ctx, int fd, const std::string& sni) {
  ERR_clear_error();
  ssl_.reset(SSL_new(ctx));
  if (!ssl_) {
    error_ = "SSL_new failed: " + openssl_error_string();
    return;
  }
  BIO* bio = BIO_new(nosignal_method());
  if (!bio) {
    error_ = "BIO_new failed";
    ssl_.reset();
    return;
  }
  bio_state_ = std::make_unique<BioState>();
  bio_state_->fd = fd;
  BIO_set_data(bio, bio_state_.get());
  SSL_set_bio(ssl_.get(), bio, bio);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl_.get(), sni.c_str());
  SSL_set_connect_state(ssl_.get());
}

TlsSession::Io TlsSession::map(int rc, const char* what) {
  const int err = SSL_get_error(ssl_.get(), rc);
  switch (err) {
    case SSL_ERROR_WANT_READ: return Io::WantRead;
    case SSL_ERROR_WANT_WRITE: return Io::WantWrite;
    case SSL_ERROR_ZERO_RETURN: return Io::Closed;
    case SSL_ERROR_SYSCALL: {
      const std::string q = openssl_error_string();
      const int e = errno;
      if (rc == 0 || e == 0) {
        error_ = std::string(what) + ": connection closed by the server";
        return Io::Closed;
      }
      error_ = std::string(what) + ": " + (q.empty() ? std::string(strerror(e)) : q);
      return Io::Failed;
    }
    default:
      error_ = std::string(what) + ": " + openssl_error_string();
      return Io::Failed;
  }
}

TlsSession::Io TlsSession::handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) return Io::Done;
  Io io = map(rc, "TLS handshake");
  if (io == Io::Closed) io = Io::Failed;  // a close during the handshake is a failure
  return io;
}

TlsSession::Io TlsSession::read(std::string* out, size_t max) {
  char buf[4096];
  size_t got = 0;
  for (;;) {
    ERR_clear_error();
    const int want = static_cast<int>(std::min(sizeof buf, max - got));
    if (want <= 0) return Io::Done;
    const int rc = SSL_read(ssl_.get(), buf, want);
    if (rc > 0) {
      out->append(buf, static_cast<size_t>(rc));
      got += static_cast<size_t>(rc);
      continue;
    }
    const Io io = map(rc, "TLS read");
    if (got > 0 && (io == Io::WantRead || io == Io::WantWrite)) return Io::Done;
    return io;
  }
}

TlsSession::Io TlsSession::write(const std::string& data, size_t* written) {
  while (*written < data.size()) {
    ERR_clear_error();
    size_t n = 0;
    const int rc = SSL_write_ex(ssl_.get(), data.data() + *written, data.size() - *written, &n);
    if (rc == 1) {
      *written += n;
      continue;
    }
    return map(0, "TLS write");
  }
  return Io::Done;
}

bool TlsSession::peer_spoke_plaintext_smtp() const {
  if (!bio_state_ || bio_state_->first_len < 4) return false;
  const char* f = bio_state_->first;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return (f[0] >= '2' && f[0] <= '5') && digit(f[1]) && digit(f[2]) && (f[3] == ' ' || f[3] == '-');
}

std::string TlsSession::protocol() const { return ssl_ ? SSL_get_version(ssl_.get()) : ""; }

std::string TlsSession::cipher() const {
  if (!ssl_) return "";
  const SSL_CIPHER* c = SSL_get_current_cipher(ssl_.get());
  return c ? SSL_CIPHER_get_name(c) : "";
}

long TlsSession::verify_result() const { return ssl_ ? SSL_get_verify_result(ssl_.get()) : -1; }

}  // namespace smtpdiag
