#include "tls/trust_cache.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

namespace smtpdiag {

namespace {

// The file and directory OpenSSL reads for "the default locations", as it
// resolves them at load time: the environment first, then the built-in
// paths.
std::string default_location(const char* env_name, const char* builtin) {
  const char* v = std::getenv(env_name);
  return v && *v ? std::string(v) : std::string(builtin);
}

template <typename Entry>
void evict_oldest(std::vector<Entry>& entries, size_t max) {
  while (entries.size() >= max) {
    auto oldest = std::min_element(entries.begin(), entries.end(),
                                   [](const Entry& a, const Entry& b) { return a.used < b.used; });
    entries.erase(oldest);
  }
}

}  // namespace

X509StorePtr load_trust_store(const std::string& ca_file, const std::string& ca_path,
                              std::string* error) {
  ERR_clear_error();
  X509StorePtr st(X509_STORE_new());
  if (!st) {
    *error = "X509_STORE_new failed: " + openssl_error_string();
    return nullptr;
  }
  int ok;
  if (!ca_file.empty() || !ca_path.empty()) {
    ok = X509_STORE_load_locations(st.get(), ca_file.empty() ? nullptr : ca_file.c_str(),
                                   ca_path.empty() ? nullptr : ca_path.c_str());
  } else {
    ok = X509_STORE_set_default_paths(st.get());
  }
  if (ok != 1) {
    *error = "cannot load CA bundle " + (ca_file.empty() ? ca_path : ca_file) + ": " +
             openssl_error_string();
    return nullptr;
  }
  return st;
}

bool TrustCache::Stamp::operator==(const Stamp& o) const {
  return file == o.file && dir == o.dir && file_exists == o.file_exists &&
         dir_exists == o.dir_exists && file_dev == o.file_dev && file_ino == o.file_ino &&
         file_size == o.file_size && file_mtime_ns == o.file_mtime_ns && dir_dev == o.dir_dev &&
         dir_ino == o.dir_ino && dir_mtime_ns == o.dir_mtime_ns;
}

TrustCache::Stamp TrustCache::stamp_of(const std::string& ca_file, const std::string& ca_path) {
  Stamp s;
  if (ca_file.empty() && ca_path.empty()) {
    s.file = default_location(X509_get_default_cert_file_env(), X509_get_default_cert_file());
    s.dir = default_location(X509_get_default_cert_dir_env(), X509_get_default_cert_dir());
  } else {
    s.file = ca_file;
    s.dir = ca_path;
  }
  struct stat st {};
  if (!s.file.empty() && stat(s.file.c_str(), &st) == 0) {
    s.file_exists = true;
    s.file_dev = st.st_dev;
    s.file_ino = st.st_ino;
    s.file_size = static_cast<uint64_t>(st.st_size);
    s.file_mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }
  // A hashed directory is read lazily, certificate by certificate; its
  // own mtime changes when a rehash adds or removes links.
  if (!s.dir.empty() && stat(s.dir.c_str(), &st) == 0) {
    s.dir_exists = true;
    s.dir_dev = st.st_dev;
    s.dir_ino = st.st_ino;
    s.dir_mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }
  return s;
}

X509StorePtr TrustCache::store(const std::string& ca_file, const std::string& ca_path,
                               std::string* error) {
  const Stamp now = stamp_of(ca_file, ca_path);
  ++clock_;
  for (auto it = stores_.begin(); it != stores_.end(); ++it) {
    if (it->ca_file != ca_file || it->ca_path != ca_path) continue;
    if (it->stamp == now) {
      it->used = clock_;
      X509_STORE_up_ref(it->store.get());
      return X509StorePtr(it->store.get());
    }
    stores_.erase(it);  // changed on disk: load it again
    break;
  }
  X509StorePtr fresh = load_trust_store(ca_file, ca_path, error);
  if (!fresh) return nullptr;  // failures are not cached: the next call tries again
  evict_oldest(stores_, kMaxEntries);
  X509_STORE_up_ref(fresh.get());
  stores_.push_back(StoreEntry{ca_file, ca_path, now, X509StorePtr(fresh.get()), clock_});
  return fresh;
}

SslCtxPtr TrustCache::context(const TlsClientOptions& o, std::string* error) {
  const Stamp now = stamp_of(o.ca_file, o.ca_path);
  ++clock_;
  for (auto it = contexts_.begin(); it != contexts_.end(); ++it) {
    if (it->ca_file != o.ca_file || it->ca_path != o.ca_path ||
        it->allow_legacy != o.allow_legacy || it->max_version != o.max_version)
      continue;
    if (it->stamp == now) {
      it->used = clock_;
      SSL_CTX_up_ref(it->ctx.get());
      return SslCtxPtr(it->ctx.get());
    }
    contexts_.erase(it);
    break;
  }
  X509StorePtr st = store(o.ca_file, o.ca_path, error);
  if (!st) return nullptr;
  SslCtxPtr fresh = make_client_context(o, error, st.get());
  if (!fresh) return nullptr;
  evict_oldest(contexts_, kMaxEntries);
  SSL_CTX_up_ref(fresh.get());
  contexts_.push_back(ContextEntry{o.ca_file, o.ca_path, o.allow_legacy, o.max_version, now,
                                   SslCtxPtr(fresh.get()), clock_});
  return fresh;
}

void TrustCache::clear() {
  contexts_.clear();
  stores_.clear();
}

SslCtxPtr client_context(TrustCache* cache, const TlsClientOptions& options, std::string* error) {
  return cache ? cache->context(options, error) : make_client_context(options, error);
}

}  // namespace smtpdiag
