#include "smtpdiag_core.h"

#include <ares.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include "mailauth/dmarc.h"
#include "tls/tls_client.h"

namespace smtpdiag {

bool global_init(std::string* error) {
  if (OPENSSL_init_ssl(0, nullptr) != 1) {
    *error = "OpenSSL initialisation failed";
    return false;
  }
  const int rc = ares_library_init(ARES_LIB_INIT_ALL);
  if (rc != ARES_SUCCESS) {
    *error = std::string("c-ares initialisation failed: ") + ares_strerror(rc);
    return false;
  }
  // The core's other process-wide state, built here once so that no
  // request (or thread, under ZTS) builds it: the socket BIO method and
  // the Public Suffix List. Both are read-only afterwards.
  tls_prepare();
  (void)organizational_domain("example.com");
  return true;
}

void global_shutdown() { ares_library_cleanup(); }

Versions versions() {
  Versions v;
  v.extension = kVersion;
  v.openssl = OpenSSL_version(OPENSSL_VERSION);
  v.cares = ares_version(nullptr);
  return v;
}

std::string default_ehlo_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) == 0 && buf[0]) {
    std::string name(buf);
    // Only a plausible host name goes on the wire.
    bool ok = name.size() <= 253;
    for (char c : name)
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.');
    if (ok) return name;
  }
  return "localhost.localdomain";
}

}  // namespace smtpdiag
