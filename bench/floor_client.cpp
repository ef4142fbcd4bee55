// The floor: the least a client can do to get the answers smtpdiag gives,
// written straight on blocking sockets and OpenSSL, nothing else.
//
//   floor_client rtt HOST PORT USER PASS CAFILE RUNS
//       Comparison 2: the round trips a healthy answer needs, one after the
//       other: DNS (getaddrinfo, A+AAAA), TCP connect, greeting, EHLO,
//       STARTTLS, TLS handshake (chain + name verified against CAFILE),
//       EHLO, AUTH PLAIN. One warm-up, then RUNS runs; one JSON object per
//       run on stdout (milliseconds per step and the total).
//
//   floor_client probe CAFILE NAME PORT ADDRESS...
//       Comparison 3: per address, sequentially: connect, greeting, EHLO,
//       STARTTLS, TLS handshake (chain verified against CAFILE; NAME as
//       SNI and checked name, or "-" for none, as for an IP literal),
//       EHLO, QUIT. Prints one JSON object: probes,
//       ok, wall seconds, user/sys CPU seconds of the whole loop
//       (getrusage), and the thread CPU spent inside SSL_connect alone.
//       ADDRESS may be a range a.b.c.X-Y (empty when X > Y: a baseline
//       run for instruction counts).
//
//   floor_client greet HOST PORT CAFILE RUNS
//       Implicit TLS (port 465): connect, TLS handshake, then the time until
//       the greeting arrives, RUNS times without and RUNS times with
//       TCP_QUICKACK set before waiting (one JSON object per run), to show
//       the delayed-ACK stall of a server that writes its TLS 1.3 session
//       tickets and greeting as separate small segments.
//
// Every read and write is bounded by 10 s (SO_RCVTIMEO/SO_SNDTIMEO).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double tv_s(const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "floor_client: %s\n", why.c_str());
  std::exit(1);
}

// One SMTP connection: clear text, then TLS on the same socket.
class Conn {
 public:
  ~Conn() { close_all(); }

  bool connect_to(const sockaddr* sa, socklen_t len) {
    fd_ = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    // No TCP_NODELAY, like PHP's streams and smtpdiag: with it, the
    // client's Finished and EHLO leave as two segments, and Postfix's
    // second TLS 1.3 session ticket and its EHLO reply wait behind Nagle
    // for the client's delayed ACK (~40 ms).
    return ::connect(fd_, sa, len) == 0;
  }

  bool send_line(const std::string& line) {
    const std::string out = line + "\r\n";
    if (ssl_) return SSL_write(ssl_, out.data(), static_cast<int>(out.size())) == static_cast<int>(out.size());
    return ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
  }

  // Reads one whole reply (up to the "ddd " line); returns its code or 0.
  int reply() {
    for (;;) {
      size_t start = 0;
      for (;;) {
        const size_t eol = buf_.find('\n', start);
        if (eol == std::string::npos) break;
        const std::string line = buf_.substr(start, eol - start);
        start = eol + 1;
        if (line.size() >= 4 && line[3] == '-') continue;
        if (line.size() < 3) return 0;
        buf_.erase(0, start);
        return std::atoi(line.substr(0, 3).c_str());
      }
      char tmp[4096];
      ssize_t n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return 0;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  int fd() const { return fd_; }

  bool start_tls(SSL_CTX* ctx, const std::string& name, double* handshake_cpu) {
    ssl_ = SSL_new(ctx);
    if (!ssl_) return false;
    SSL_set_fd(ssl_, fd_);
    if (!name.empty()) {
      SSL_set_tlsext_host_name(ssl_, name.c_str());
      SSL_set1_host(ssl_, name.c_str());
    }
    const double c0 = thread_cpu_s();
    const int rc = SSL_connect(ssl_);
    if (handshake_cpu) *handshake_cpu += thread_cpu_s() - c0;
    if (rc != 1) {
      ERR_print_errors_fp(stderr);
      return false;
    }
    return SSL_get_verify_result(ssl_) == X509_V_OK;
  }

  void close_all() {
    if (ssl_) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

SSL_CTX* make_ctx(const char* cafile) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) die("SSL_CTX_new failed");
  if (SSL_CTX_load_verify_locations(ctx, cafile, nullptr) != 1) die(std::string("cannot load ") + cafile);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

std::string auth_plain(const std::string& user, const std::string& pass) {
  std::string raw;
  raw.push_back('\0');
  raw += user;
  raw.push_back('\0');
  raw += pass;
  std::vector<unsigned char> out(4 * ((raw.size() + 2) / 3) + 1);
  EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  return std::string(reinterpret_cast<char*>(out.data()));
}

// ---------------------------------------------------------------- rtt
int cmd_rtt(int argc, char** argv) {
  if (argc < 8) die("usage: floor_client rtt HOST PORT USER PASS CAFILE RUNS");
  const std::string host = argv[2], port = argv[3], user = argv[4], pass = argv[5];
  SSL_CTX* ctx = make_ctx(argv[6]);
  const int runs = std::atoi(argv[7]);
  const std::string plain = auth_plain(user, pass);
  for (int run = -1; run < runs; ++run) {  // run -1: warm-up, not printed
    struct Step {
      const char* name;
      double ms;
    };
    std::vector<Step> steps;
    const double t0 = now_ms();
    double t = t0;
    auto mark = [&](const char* name) {
      const double n = now_ms();
      steps.push_back({name, n - t});
      t = n;
    };
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) die("getaddrinfo failed");
    mark("dns");
    Conn c;
    if (!c.connect_to(res->ai_addr, res->ai_addrlen)) die("connect failed");
    char addr[INET6_ADDRSTRLEN] = "";
    if (res->ai_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, addr, sizeof addr);
    else
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, addr, sizeof addr);
    freeaddrinfo(res);
    mark("connect");
    if (c.reply() != 220) die("no greeting");
    mark("greeting");
    if (!c.send_line("EHLO client.lab.test") || c.reply() != 250) die("EHLO refused");
    mark("ehlo");
    if (!c.send_line("STARTTLS") || c.reply() != 220) die("STARTTLS refused");
    mark("starttls");
    if (!c.start_tls(ctx, host, nullptr)) die("TLS handshake or verification failed");
    mark("tls");
    if (!c.send_line("EHLO client.lab.test") || c.reply() != 250) die("EHLO after TLS refused");
    mark("ehlo2");
    if (!c.send_line("AUTH PLAIN " + plain) || c.reply() != 235) die("AUTH refused");
    mark("auth");
    const double total = t - t0;
    c.send_line("QUIT");
    c.reply();
    c.close_all();
    if (run < 0) continue;
    std::printf("{\"address\":\"%s\"", addr);
    for (const auto& s : steps) std::printf(",\"%s\":%.3f", s.name, s.ms);
    std::printf(",\"total\":%.3f}\n", total);
    std::fflush(stdout);
  }
  SSL_CTX_free(ctx);
  return 0;
}

// ---------------------------------------------------------------- probe
void add_targets(const std::string& spec, std::vector<std::string>* out) {
  const size_t dash = spec.find('-');
  const size_t dot = spec.rfind('.');
  if (dash == std::string::npos || dot == std::string::npos || dash < dot) {
    out->push_back(spec);
    return;
  }
  const int from = std::atoi(spec.substr(dot + 1, dash - dot - 1).c_str());
  const int to = std::atoi(spec.substr(dash + 1).c_str());
  for (int i = from; i <= to; ++i) out->push_back(spec.substr(0, dot + 1) + std::to_string(i));
}

int cmd_probe(int argc, char** argv) {
  if (argc < 6) die("usage: floor_client probe CAFILE NAME PORT ADDRESS...");
  const std::string name = std::string(argv[3]) == "-" ? std::string() : argv[3];
  const int port = std::atoi(argv[4]);
  std::vector<std::string> targets;
  for (int i = 5; i < argc; ++i) add_targets(argv[i], &targets);
  SSL_CTX* ctx = make_ctx(argv[2]);
  rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  const double t0 = now_ms();
  double handshake_cpu = 0;
  int ok = 0;
  for (const auto& a : targets) {
    sockaddr_storage ss{};
    socklen_t len;
    if (a.find(':') != std::string::npos) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(static_cast<uint16_t>(port));
      if (inet_pton(AF_INET6, a.c_str(), &s6->sin6_addr) != 1) die("bad address " + a);
      len = sizeof *s6;
    } else {
      auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
      s4->sin_family = AF_INET;
      s4->sin_port = htons(static_cast<uint16_t>(port));
      if (inet_pton(AF_INET, a.c_str(), &s4->sin_addr) != 1) die("bad address " + a);
      len = sizeof *s4;
    }
    Conn c;
    bool good = c.connect_to(reinterpret_cast<sockaddr*>(&ss), len) && c.reply() == 220 &&
                c.send_line("EHLO client.lab.test") && c.reply() == 250 && c.send_line("STARTTLS") &&
                c.reply() == 220 && c.start_tls(ctx, name, &handshake_cpu) &&
                c.send_line("EHLO client.lab.test") && c.reply() == 250;
    if (good) {
      c.send_line("QUIT");
      c.reply();
      ++ok;
    }
    c.close_all();
  }
  const double wall = (now_ms() - t0) / 1e3;
  getrusage(RUSAGE_SELF, &r1);
  std::printf(
      "{\"tool\":\"floor\",\"probes\":%zu,\"ok\":%d,\"wall_s\":%.6f,\"user_s\":%.6f,\"sys_s\":%.6f,"
      "\"handshake_cpu_s\":%.6f}\n",
      targets.size(), ok, wall, tv_s(r1.ru_utime) - tv_s(r0.ru_utime), tv_s(r1.ru_stime) - tv_s(r0.ru_stime),
      handshake_cpu);
  SSL_CTX_free(ctx);
  return ok == static_cast<int>(targets.size()) ? 0 : 2;
}

// ---------------------------------------------------------------- greet
int cmd_greet(int argc, char** argv) {
  if (argc < 6) die("usage: floor_client greet HOST PORT CAFILE RUNS");
  const std::string host = argv[2], port = argv[3];
  SSL_CTX* ctx = make_ctx(argv[4]);
  const int runs = std::atoi(argv[5]);
  for (int quick = 0; quick < 2; ++quick) {
    for (int run = -1; run < runs; ++run) {
      addrinfo hints{};
      hints.ai_family = AF_INET;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* res = nullptr;
      if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) die("getaddrinfo failed");
      Conn c;
      const double t0 = now_ms();
      if (!c.connect_to(res->ai_addr, res->ai_addrlen)) die("connect failed");
      freeaddrinfo(res);
      if (!c.start_tls(ctx, host, nullptr)) die("TLS handshake or verification failed");
      const double t1 = now_ms();
      if (quick) {
        int one = 1;
        setsockopt(c.fd(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      }
      if (c.reply() != 220) die("no greeting");
      const double t2 = now_ms();
      c.send_line("QUIT");
      c.reply();
      if (run < 0) continue;
      std::printf("{\"quickack\":%s,\"handshake\":%.3f,\"greeting\":%.3f}\n", quick ? "true" : "false",
                  t1 - t0, t2 - t1);
      std::fflush(stdout);
    }
  }
  SSL_CTX_free(ctx);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: floor_client rtt|probe|greet ...");
  const std::string cmd = argv[1];
  if (cmd == "rtt") return cmd_rtt(argc, argv);
  if (cmd == "probe") return cmd_probe(argc, argv);
  if (cmd == "greet") return cmd_greet(argc, argv);
  die("unknown command " + cmd);
}
