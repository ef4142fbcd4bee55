// The per-thread cache of CA stores and client contexts: a second call
// with the same CA file reuses what the first loaded; a file replaced or
// rewritten on disk is loaded again (never a stale bundle); a missing file
// is an error and is not cached; the cache is bounded; and a chain
// verified through the cache gets the same verdict as without it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "test_certs.h"
#include "tls/certificate.h"
#include "tls/trust_cache.h"

namespace smtpdiag {
namespace {

class TrustCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/smtpdiag-trust.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const auto& f : files_) unlink(f.c_str());
    rmdir(dir_.c_str());
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::trunc) << text;
    files_.push_back(path);
    return path;
  }
  // Moves the file's modification time, as an update a second later would.
  static void age(const std::string& path, int seconds) {
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    times[1].tv_sec += seconds;
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(TrustCacheTest, SameFileGivesTheSameStoreAndContext) {
  auto ca = make_cert("Lab Root", nullptr);
  const std::string file = write("ca.pem", pem_of(ca.get()));
  TrustCache cache;
  std::string err;
  X509StorePtr a = cache.store(file, "", &err);
  X509StorePtr b = cache.store(file, "", &err);
  ASSERT_TRUE(a && b) << err;
  EXPECT_EQ(a.get(), b.get());

  TlsClientOptions o;
  o.ca_file = file;
  SslCtxPtr c1 = cache.context(o, &err);
  SslCtxPtr c2 = cache.context(o, &err);
  ASSERT_TRUE(c1 && c2) << err;
  EXPECT_EQ(c1.get(), c2.get());
  // The context trusts the cached store, not a copy of it.
  EXPECT_EQ(SSL_CTX_get_cert_store(c1.get()), a.get());

  // Other versions: another context, the same store.
  o.max_version = TLS1_1_VERSION;
  SslCtxPtr c3 = cache.context(o, &err);
  ASSERT_TRUE(c3) << err;
  EXPECT_NE(c3.get(), c1.get());
  EXPECT_EQ(SSL_CTX_get_cert_store(c3.get()), a.get());
  EXPECT_EQ(SSL_CTX_get_max_proto_version(c3.get()), TLS1_1_VERSION);
}

TEST_F(TrustCacheTest, AChangedFileIsLoadedAgain) {
  auto old_root = make_cert("Old Root", nullptr);
  auto new_root = make_cert("New Root", nullptr);
  const std::string file = write("bundle.pem", pem_of(old_root.get()));
  TrustCache cache;
  std::string err;
  X509StorePtr before = cache.store(file, "", &err);
  ASSERT_TRUE(before) << err;
  const std::vector<X509Ptr> leaf_new = [&] {
    std::vector<X509Ptr> v;
    v.push_back(X509Ptr(X509_dup(new_root.get())));
    return v;
  }();
  VerifyStore vs;
  vs.ca_file = file;
  vs.cache = &cache;
  EXPECT_FALSE(verify_chain(leaf_new, "", vs, time(nullptr)).verified);

  // The bundle is updated in place (as update-ca-certificates does).
  write("bundle.pem", pem_of(old_root.get()) + pem_of(new_root.get()));
  age(file, 5);
  X509StorePtr after = cache.store(file, "", &err);
  ASSERT_TRUE(after) << err;
  EXPECT_NE(before.get(), after.get());
  EXPECT_TRUE(verify_chain(leaf_new, "", vs, time(nullptr)).verified);
}

TEST_F(TrustCacheTest, AMissingFileIsAnErrorAndNotCached) {
  TrustCache cache;
  std::string err;
  const std::string file = dir_ + "/absent.pem";
  EXPECT_FALSE(cache.store(file, "", &err));
  EXPECT_NE(err.find("cannot load CA bundle " + file), std::string::npos) << err;
  EXPECT_EQ(cache.size(), 0u);
  TlsClientOptions o;
  o.ca_file = file;
  err.clear();
  EXPECT_FALSE(cache.context(o, &err));
  EXPECT_FALSE(err.empty());

  auto ca = make_cert("Late Root", nullptr);
  write("absent.pem", pem_of(ca.get()));
  err.clear();
  EXPECT_TRUE(cache.store(file, "", &err)) << err;
}

TEST_F(TrustCacheTest, DefaultLocationsFollowSslCertFile) {
  auto one = make_cert("One", nullptr);
  auto two = make_cert("Two", nullptr);
  const std::string f1 = write("one.pem", pem_of(one.get()));
  const std::string f2 = write("two.pem", pem_of(two.get()));
  const char* saved = getenv("SSL_CERT_FILE");
  const std::string saved_value = saved ? saved : "";
  TrustCache cache;
  std::string err;
  std::vector<X509Ptr> chain;
  chain.push_back(X509Ptr(X509_dup(two.get())));
  VerifyStore defaults;  // no file, no directory: OpenSSL's default locations
  defaults.cache = &cache;

  setenv("SSL_CERT_FILE", f1.c_str(), 1);
  EXPECT_FALSE(verify_chain(chain, "", defaults, time(nullptr)).verified);
  setenv("SSL_CERT_FILE", f2.c_str(), 1);
  EXPECT_TRUE(verify_chain(chain, "", defaults, time(nullptr)).verified);

  if (saved) setenv("SSL_CERT_FILE", saved_value.c_str(), 1); else unsetenv("SSL_CERT_FILE");
}

TEST_F(TrustCacheTest, Bounded) {
  auto ca = make_cert("Root", nullptr);
  const std::string pem = pem_of(ca.get());
  TrustCache cache;
  std::string err;
  for (int i = 0; i < 20; ++i) {
    TlsClientOptions o;
    o.ca_file = write("ca" + std::to_string(i) + ".pem", pem);
    ASSERT_TRUE(cache.context(o, &err)) << err;
  }
  EXPECT_LE(cache.size(), 16u);  // at most 8 stores and 8 contexts
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(TrustCacheTest, WithAndWithoutTheCacheTheVerdictIsTheSame) {
  auto trusted = make_cert("Trusted", nullptr);
  auto stranger = make_cert("Stranger", nullptr);
  const std::string file = write("ca.pem", pem_of(trusted.get()));
  TrustCache cache;
  for (X509* x : {trusted.get(), stranger.get()}) {
    std::vector<X509Ptr> chain;
    chain.push_back(X509Ptr(X509_dup(x)));
    VerifyStore plain;
    plain.ca_file = file;
    VerifyStore cached = plain;
    cached.cache = &cache;
    const ChainVerdict a = verify_chain(chain, "", plain, time(nullptr));
    const ChainVerdict b = verify_chain(chain, "", cached, time(nullptr));
    EXPECT_EQ(a.verified, b.verified);
    EXPECT_EQ(a.code, b.code);
    EXPECT_EQ(a.error, b.error);
  }
}

TEST(ClientContext, WithoutACacheEachCallBuildsItsOwn) {
  TlsClientOptions o;
  std::string err;
  SslCtxPtr a = client_context(nullptr, o, &err);
  SslCtxPtr b = client_context(nullptr, o, &err);
  ASSERT_TRUE(a && b) << err;
  EXPECT_NE(a.get(), b.get());
}

}  // namespace
}  // namespace smtpdiag
