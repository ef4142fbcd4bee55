// CA stores and client contexts kept between calls, so that a long-lived
// PHP worker parses its CA bundle once rather than for every connection
// and every verification (with Debian's bundle that parse is most of a
// probe's CPU: bench/RESULTS.md, comparison 3).
//
// Not thread-safe, by design: one cache per thread. The extension keeps
// one in its module globals, which PHP gives each thread under ZTS; the
// core itself has no global cache. A call without a cache (nullptr) builds
// what it needs and frees it afterwards.
//
// An entry is used only while its CA file and directory are unchanged on
// disk (device, inode, size, modification time): a bundle that is
// replaced or updated is loaded again on the next call, so a diagnosis
// never judges with a stale copy. Bounded: the least recently used entry
// goes when a ninth is needed.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tls/tls_client.h"

namespace smtpdiag {

struct X509StoreDeleter { void operator()(X509_STORE* s) const { X509_STORE_free(s); } };
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreDeleter>;

// A store of trusted certificates from a PEM file and/or a hashed
// directory; both empty: OpenSSL's default locations (which honour
// SSL_CERT_FILE and SSL_CERT_DIR). Null with `error` set when it cannot be
// loaded.
X509StorePtr load_trust_store(const std::string& ca_file, const std::string& ca_path,
                              std::string* error);

class TrustCache {
 public:
  TrustCache() = default;
  TrustCache(const TrustCache&) = delete;
  TrustCache& operator=(const TrustCache&) = delete;

  // A reference to the cached store for these locations (loaded now when
  // absent or changed on disk).
  X509StorePtr store(const std::string& ca_file, const std::string& ca_path, std::string* error);
  // A reference to a cached client context for these options, sharing the
  // store above.
  SslCtxPtr context(const TlsClientOptions& options, std::string* error);

  size_t size() const { return stores_.size() + contexts_.size(); }
  void clear();

 private:
  // What a CA location looked like on disk when it was loaded.
  struct Stamp {
    std::string file, dir;  // the effective locations (defaults resolved)
    bool file_exists = false, dir_exists = false;
    uint64_t file_dev = 0, file_ino = 0, file_size = 0, dir_dev = 0, dir_ino = 0;
    int64_t file_mtime_ns = 0, dir_mtime_ns = 0;
    bool operator==(const Stamp& o) const;
  };
  static Stamp stamp_of(const std::string& ca_file, const std::string& ca_path);

  struct StoreEntry {
    std::string ca_file, ca_path;
    Stamp stamp;
    X509StorePtr store;
    uint64_t used = 0;
  };
  struct ContextEntry {
    std::string ca_file, ca_path;
    bool allow_legacy = true;
    int max_version = 0;
    Stamp stamp;
    SslCtxPtr ctx;
    uint64_t used = 0;
  };
  static constexpr size_t kMaxEntries = 8;

  std::vector<StoreEntry> stores_;
  std::vector<ContextEntry> contexts_;
  uint64_t clock_ = 0;
};

// The context for `options`: from `cache` when there is one, else built
// for this call alone.
SslCtxPtr client_context(TrustCache* cache, const TlsClientOptions& options, std::string* error);

}  // namespace smtpdiag
