// Google Benchmark of the core's hot paths (comparison 3's CPU per probe,
// without the network): the reply reader and EHLO parser every byte of a
// server goes through, the connect classifier, SPF/DMARC/DKIM parsing and
// evaluation over a filled DNS cache, certificate inspection and chain
// verification, and one whole STARTTLS probe session over a socketpair
// against an in-process TLS server -- next to a bare OpenSSL client doing
// the same exchange against the same server (the floor).
//
// CPU time is the benchmark thread's own (the server runs in another
// thread and is not counted), so BM_Session_* compare client CPU only.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "fuzz_support.h"
#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"
#include "net/classify.h"
#include "smtp/ehlo.h"
#include "smtp/probe_session.h"
#include "smtp/reply_reader.h"
#include "smtpdiag_core.h"
#include "tls/certificate.h"
#include "tls/tls_client.h"

namespace {

using namespace smtpdiag;

const char kGreeting[] = "220 mail.lab.test ESMTP smtpdiag-lab Postfix\r\n";
const char kEhlo[] =
    "250-mail.lab.test\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-VRFY\r\n"
    "250-ETRN\r\n"
    "250-STARTTLS\r\n"
    "250-AUTH PLAIN LOGIN\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250-SMTPUTF8\r\n"
    "250 CHUNKING\r\n";
const char kEhloTls[] =
    "250-mail.lab.test\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-AUTH PLAIN LOGIN\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250 SMTPUTF8\r\n";

// ------------------------------------------------------------ reply reader

void BM_ReplyReader_Greeting(benchmark::State& state) {
  for (auto _ : state) {
    ReplyReader r;
    r.feed(kGreeting);
    SmtpReply reply;
    benchmark::DoNotOptimize(r.next(&reply));
    benchmark::DoNotOptimize(reply.code);
  }
  state.SetBytesProcessed(state.iterations() * (sizeof kGreeting - 1));
}
BENCHMARK(BM_ReplyReader_Greeting);

void BM_ReplyReader_Ehlo(benchmark::State& state) {
  for (auto _ : state) {
    ReplyReader r;
    r.feed(kEhlo);
    SmtpReply reply;
    benchmark::DoNotOptimize(r.next(&reply));
    benchmark::DoNotOptimize(reply.lines.size());
  }
  state.SetBytesProcessed(state.iterations() * (sizeof kEhlo - 1));
}
BENCHMARK(BM_ReplyReader_Ehlo);

// The worst case a slow server can force: one byte per read.
void BM_ReplyReader_EhloBytewise(benchmark::State& state) {
  const std::string_view all(kEhlo, sizeof kEhlo - 1);
  for (auto _ : state) {
    ReplyReader r;
    SmtpReply reply;
    for (size_t i = 0; i < all.size(); ++i) {
      r.feed(all.substr(i, 1));
      if (r.next(&reply) != ReplyReader::Status::NeedMore) break;
    }
    benchmark::DoNotOptimize(reply.code);
  }
  state.SetBytesProcessed(state.iterations() * all.size());
}
BENCHMARK(BM_ReplyReader_EhloBytewise);

void BM_ParseEhlo(benchmark::State& state) {
  ReplyReader r;
  r.feed(kEhlo);
  SmtpReply reply;
  r.next(&reply);
  for (auto _ : state) {
    EhloInfo info = parse_ehlo(reply);
    benchmark::DoNotOptimize(info.starttls);
  }
}
BENCHMARK(BM_ParseEhlo);

void BM_SanitizeLine(benchmark::State& state) {
  std::string line = "mail.lab.test ESMTP smtpdiag-lab Postfix (Debian/GNU) ready \xc3\xa9t\xc3\xa9";
  while (line.size() < 200) line += " more banner text";
  for (auto _ : state) benchmark::DoNotOptimize(sanitize_line(line));
}
BENCHMARK(BM_SanitizeLine);

// ------------------------------------------------------------ classify

void BM_ClassifyConnect(benchmark::State& state) {
  const IpAddress target = *IpAddress::parse("198.51.100.25");
  ConnectOutcome o;
  o.kind = ConnectOutcome::Kind::Failed;
  o.err = EHOSTUNREACH;
  IcmpInfo icmp;
  icmp.origin = IcmpInfo::Origin::Icmp;
  icmp.type = 3;
  icmp.code = 13;
  icmp.err = EHOSTUNREACH;
  icmp.from = IpAddress::parse("203.0.113.2");
  o.icmp = icmp;
  for (auto _ : state) {
    Classification c = classify_connect(o, target, false);
    benchmark::DoNotOptimize(c.state);
  }
}
BENCHMARK(BM_ClassifyConnect);

// ------------------------------------------------------------ mail authentication

DnsCache spf_cache() {
  DnsCache cache;
  auto txt = [&](const char* name, std::string rec) {
    cache.put(name, RRType::TXT, CachedAnswer{DnsStatus::Ok, {{}, {}, {std::move(rec)}, {}}});
  };
  txt("ok.lab.test", "v=spf1 ip4:192.0.2.10 include:_spf.lab.test a mx ~all");
  txt("_spf.lab.test", "v=spf1 ip4:203.0.113.0/24 ip6:2001:db8:2::/64 include:_spf2.lab.test -all");
  txt("_spf2.lab.test", "v=spf1 ip4:198.51.100.0/25 -all");
  CachedAnswer a{DnsStatus::Ok, {}};
  a.records.addresses.push_back(*IpAddress::parse("198.51.100.26"));
  cache.put("ok.lab.test", RRType::A, a);
  CachedAnswer mx{DnsStatus::Ok, {}};
  mx.records.mx.push_back({10, "mail.lab.test"});
  cache.put("ok.lab.test", RRType::MX, mx);
  CachedAnswer mxa{DnsStatus::Ok, {}};
  mxa.records.addresses.push_back(*IpAddress::parse("198.51.100.27"));
  cache.put("mail.lab.test", RRType::A, mxa);
  return cache;
}

// check_host() through two includes to a pass on the last mechanism.
void BM_SpfEvaluate(benchmark::State& state) {
  DnsCache cache = spf_cache();
  SpfRequest req;
  req.ip = *IpAddress::parse("198.51.100.25");
  req.sender = "user@ok.lab.test";
  req.helo = "client.lab.test";
  req.now = 1700000000;
  {
    SpfOutcome warm = evaluate_spf(req, cache);  // fills nothing: everything is cached
    if (warm.result != SpfResult::Pass) state.SkipWithError("SPF setup does not pass");
  }
  for (auto _ : state) {
    SpfOutcome out = evaluate_spf(req, cache);
    benchmark::DoNotOptimize(out.result);
  }
}
BENCHMARK(BM_SpfEvaluate);

void BM_SpfSyntax(benchmark::State& state) {
  const std::string rec =
      "v=spf1 ip4:192.0.2.10 ip4:198.51.100.0/24 ip6:2001:db8::/32 include:_spf.google.com "
      "include:spf.protection.outlook.com a mx:mail.lab.test exists:%{i}._spf.lab.test ~all";
  for (auto _ : state) benchmark::DoNotOptimize(spf_syntax_error(rec));
}
BENCHMARK(BM_SpfSyntax);

void BM_ParseDmarc(benchmark::State& state) {
  const std::string rec =
      "v=DMARC1; p=quarantine; sp=reject; pct=50; adkim=s; aspf=r; "
      "rua=mailto:dmarc@ok.lab.test,mailto:agg@reports.test; ruf=mailto:forensic@ok.lab.test; fo=1";
  for (auto _ : state) {
    DmarcRecord d = parse_dmarc(rec);
    benchmark::DoNotOptimize(d.valid);
  }
}
BENCHMARK(BM_ParseDmarc);

void BM_OrganizationalDomain(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(organizational_domain("mail.eu.example.co.uk"));
}
BENCHMARK(BM_OrganizationalDomain);

std::string dkim_record() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  std::vector<unsigned char> b64(4 * ((len + 2) / 3) + 1);
  EVP_EncodeBlock(b64.data(), der, len);
  OPENSSL_free(der);
  EVP_PKEY_free(key);
  return "v=DKIM1; k=rsa; p=" + std::string(reinterpret_cast<char*>(b64.data()));
}

void BM_ParseDkim2048(benchmark::State& state) {
  static const std::string rec = dkim_record();
  for (auto _ : state) {
    DkimKey k = parse_dkim(rec);
    benchmark::DoNotOptimize(k.key_bits);
  }
}
BENCHMARK(BM_ParseDkim2048);

// ------------------------------------------------------------ certificates

X509Ptr bench_cert() {
  return smtpdiag_fuzz::make_certificate("mail.lab.test", {"DNS:mail.lab.test", "DNS:lab.test", "IP:198.51.100.25"});
}

// A PEM file holding `cert`, for the CA store; removed at exit.
std::string write_pem(X509* cert) {
  static std::vector<std::string> files;
  char path[] = "/tmp/smtpdiag-core-bench-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) std::abort();
  FILE* f = fdopen(fd, "w");
  PEM_write_X509(f, cert);
  fclose(f);
  files.push_back(path);
  static bool registered = false;
  if (!registered) {
    registered = true;
    std::atexit([] {
      for (const auto& p : files) unlink(p.c_str());
    });
  }
  return path;
}

void BM_InspectCertificate(benchmark::State& state) {
  X509Ptr cert = bench_cert();
  for (auto _ : state) {
    CertificateInfo info = inspect_certificate(cert.get(), 1700000000);
    benchmark::DoNotOptimize(info.key_bits);
  }
}
BENCHMARK(BM_InspectCertificate);

// verify_chain() builds its store from the CA file on every call.
void BM_VerifyChain(benchmark::State& state) {
  X509Ptr cert = bench_cert();
  VerifyStore store;
  store.ca_file = write_pem(cert.get());
  store.auth_level = 2;
  std::vector<X509Ptr> chain;
  X509_up_ref(cert.get());
  chain.emplace_back(cert.get());
  {
    ChainVerdict v = verify_chain(chain, "mail.lab.test", store, time(nullptr));
    if (!v.verified) state.SkipWithError(("chain does not verify: " + v.error).c_str());
  }
  for (auto _ : state) {
    ChainVerdict v = verify_chain(chain, "mail.lab.test", store, time(nullptr));
    benchmark::DoNotOptimize(v.verified);
  }
}
BENCHMARK(BM_VerifyChain);

// ------------------------------------------------------------ whole sessions

// A blocking in-process SMTP server on one end of a socketpair: greeting,
// EHLO, STARTTLS, TLS (fuzz_support's EC P-256 certificate for fuzz.test),
// EHLO, QUIT.
class LineIo {
 public:
  LineIo(int fd) : fd_(fd) {}
  void use_tls(SSL* ssl) { ssl_ = ssl; }
  bool line() {
    for (;;) {
      const size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        buf_.erase(0, nl + 1);
        return true;
      }
      char tmp[2048];
      const int n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : static_cast<int>(::read(fd_, tmp, sizeof tmp));
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  bool put(const char* s) {
    const int len = static_cast<int>(strlen(s));
    return ssl_ ? SSL_write(ssl_, s, len) == len : ::write(fd_, s, len) == len;
  }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

void serve(int fd) {
  LineIo io(fd);
  SSL* ssl = nullptr;
  if (io.put(kGreeting) && io.line() && io.put(kEhlo) && io.line() && io.put("220 2.0.0 Ready to start TLS\r\n")) {
    ssl = SSL_new(smtpdiag_fuzz::server_context());
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      io.use_tls(ssl);
      if (io.line() && io.put(kEhloTls) && io.line()) io.put("221 2.0.0 Bye\r\n");
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }
  ERR_clear_error();
  ::close(fd);
}

struct Pair {
  int client = -1;
  std::thread server;
  Pair() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    client = sv[0];
    const int s = sv[1];
    server = std::thread([s] { serve(s); });
  }
  ~Pair() {
    if (client >= 0) ::close(client);
    server.join();
  }
};

std::string server_ca_file() {
  static const std::string path = write_pem(SSL_CTX_get0_certificate(smtpdiag_fuzz::server_context()));
  return path;
}

// smtpdiag's ProbeSession on its event loop: the per-port work of a probe
// once the TCP connect is done.
void BM_Session_ProbeSessionStartTls(benchmark::State& state) {
  std::string err;
  TlsClientOptions o;
  o.ca_file = server_ca_file();
  SslCtxPtr ctx = make_client_context(o, &err);
  if (!ctx) {
    state.SkipWithError(err.c_str());
    return;
  }
  int failures = 0;
  for (auto _ : state) {
    Pair p;
    fcntl(p.client, F_SETFL, fcntl(p.client, F_GETFL) | O_NONBLOCK);
    EventLoop loop;
    ProbeSessionOptions so;
    so.ehlo_name = "client.lab.test";
    so.tls_ctx = ctx.get();
    so.sni = "fuzz.test";
    so.verify_host = "fuzz.test";
    bool done = false;
    const Deadline deadline = Deadline::after(5.0);
    const int fd = p.client;
    p.client = -1;  // owned by the session now
    ProbeSession s(loop, UniqueFd(fd), deadline, so,
                   [&](SmtpObservation&& obs, std::optional<TlsObservation>&& tls) {
                     done = true;
                     if (obs.stage != "done" || !tls || !tls->ok || tls->verify_code != 0) ++failures;
                   });
    s.start();
    loop.run(deadline, [&] { return done; });
    if (!done) {
      s.abandon();
      ++failures;
    }
  }
  if (failures) state.SkipWithError(("sessions failed: " + std::to_string(failures)).c_str());
}
BENCHMARK(BM_Session_ProbeSessionStartTls)->Unit(benchmark::kMicrosecond);

// The floor: blocking reads and writes, one SSL_connect, nothing kept.
// Client side of the same exchange: multi-line replies read to their end.
class ClientIo {
 public:
  explicit ClientIo(int fd) : fd_(fd) {}
  void use_tls(SSL* ssl) { ssl_ = ssl; }
  int reply() {
    for (;;) {
      size_t start = 0;
      for (size_t nl; (nl = buf_.find('\n', start)) != std::string::npos; start = nl + 1) {
        if (nl - start >= 4 && buf_[start + 3] == '-') continue;
        const int code = std::atoi(buf_.substr(start, 3).c_str());
        buf_.erase(0, nl + 1);
        return code;
      }
      char tmp[2048];
      const int n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : static_cast<int>(::read(fd_, tmp, sizeof tmp));
      if (n <= 0) return 0;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  bool put(const char* s) {
    const int len = static_cast<int>(strlen(s));
    return ssl_ ? SSL_write(ssl_, s, len) == len : ::write(fd_, s, len) == len;
  }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

void BM_Session_BareOpenSslStartTls(benchmark::State& state) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, server_ca_file().c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  int failures = 0;
  for (auto _ : state) {
    Pair p;
    ClientIo io(p.client);
    bool ok = io.reply() == 220 && io.put("EHLO client.lab.test\r\n") && io.reply() == 250 &&
              io.put("STARTTLS\r\n") && io.reply() == 220;
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, p.client);
    SSL_set_tlsext_host_name(ssl, "fuzz.test");
    SSL_set1_host(ssl, "fuzz.test");
    ok = ok && SSL_connect(ssl) == 1 && SSL_get_verify_result(ssl) == X509_V_OK;
    io.use_tls(ssl);
    ok = ok && io.put("EHLO client.lab.test\r\n") && io.reply() == 250 && io.put("QUIT\r\n") && io.reply() == 221;
    SSL_free(ssl);
    ERR_clear_error();
    if (!ok) ++failures;
  }
  SSL_CTX_free(ctx);
  if (failures) state.SkipWithError(("sessions failed: " + std::to_string(failures)).c_str());
}
BENCHMARK(BM_Session_BareOpenSslStartTls)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  std::string err;
  if (!smtpdiag::global_init(&err)) {
    std::fprintf(stderr, "global_init: %s\n", err.c_str());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
