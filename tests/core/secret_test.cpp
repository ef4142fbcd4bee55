// Credentials are wiped from memory after use: the Secret type itself, and a
// whole authenticated SendSession (PLAIN, LOGIN, XOAUTH2) after which this
// process's readable memory is searched for the password, the token and
// their base64 forms. No core dump needed: /proc/self/mem is read directly.
#include "util/secret.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "smtp/sasl.h"
#include "smtp/send_session.h"

namespace smtpdiag {
namespace {

bool all_zero(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

TEST(Secret, WipeZeroesTheHeapBuffer) {
  Secret s(std::string(200, 'P'));
  const char* p = s.reveal().data();
  s.wipe();
  EXPECT_TRUE(s.empty());
  // clear() keeps the buffer: the bytes are still ours to read.
  EXPECT_TRUE(all_zero(p, 200));
}

TEST(Secret, WipeZeroesPastTheCurrentSize) {
  Secret s(std::string(100, 'L'));
  s = Secret(std::string("short"));  // the long value's tail stays in capacity
  const char* p = s.reveal().data();
  s.wipe();
  EXPECT_TRUE(all_zero(p, 100));
}

TEST(Secret, MoveLeavesNoCopyOfAShortValueInTheSource) {
  // Short strings live inside the object and move by copy.
  Secret a(std::string("pw-1234"));
  const char* p = a.reveal().data();
  Secret b(std::move(a));
  EXPECT_EQ(b.reveal(), "pw-1234");
  EXPECT_TRUE(all_zero(p, 7));

  Secret c(std::string("tok-987"));
  const char* q = c.reveal().data();
  Secret d;
  d = std::move(c);
  EXPECT_EQ(d.reveal(), "tok-987");
  EXPECT_TRUE(all_zero(q, 7));
}

TEST(Secret, DestructorWipesTheInlineBuffer) {
  alignas(Secret) unsigned char storage[sizeof(Secret)];
  auto* s = new (storage) Secret(std::string("inline-pw"));
  const char* p = s->reveal().data();
  ASSERT_GE(p, reinterpret_cast<const char*>(storage));
  ASSERT_LT(p, reinterpret_cast<const char*>(storage) + sizeof storage);
  s->~Secret();
  EXPECT_TRUE(all_zero(p, 9));
}

TEST(Secret, WipeStringOfAMovedFromShortString) {
  std::string src = "abc-secret";
  const char* p = src.data();
  std::string dst = std::move(src);
  wipe_string(src);
  EXPECT_EQ(dst, "abc-secret");
  EXPECT_TRUE(all_zero(p, 10));
}

TEST(Secret, SaslEncodingsAreExact) {
  // What the wiping rewrites of sasl.cpp must still produce, byte for byte.
  const Secret user(std::string("u@example.test"));
  const Secret pass(std::string("p4ss"));
  EXPECT_EQ(sasl_plain(user, pass).reveal(), base64_encode(std::string("\0u@example.test\0p4ss", 20)));
  EXPECT_EQ(sasl_xoauth2(user, pass).reveal(),
            base64_encode(std::string("user=u@example.test\x01" "auth=Bearer p4ss\x01\x01")));
  EXPECT_EQ(sasl_login_step(pass).reveal(), "cDRzcw==");
}

// ---------------------------------------------------------------------------
// The memory search.

// A byte string kept only masked (XOR with a random key), so that the test
// itself holds no clear copy while it searches for one.
class Needle {
 public:
  explicit Needle(std::string clear) : key_(clear.size(), '\0'), masked_(clear.size(), '\0') {
    RAND_bytes(reinterpret_cast<unsigned char*>(&key_[0]), static_cast<int>(key_.size()));
    for (size_t i = 0; i < clear.size(); ++i) masked_[i] = static_cast<char>(clear[i] ^ key_[i]);
    wipe_string(clear);
  }
  size_t size() const { return masked_.size(); }
  char at(size_t i) const { return static_cast<char>(masked_[i] ^ key_[i]); }

 private:
  std::string key_, masked_;
};

// A Secret built from pieces at run time (never one literal in the binary),
// through a buffer that is wiped.
Secret make_secret(const char* a, const char* b, const char* c) {
  std::string s;
  s.reserve(128);
  s += a;
  s += b;
  s += c;
  Secret out(std::move(s));
  wipe_string(s);
  return out;
}

// base64 of `clear`, kept only as a Needle; `clear` is wiped.
Needle base64_needle(std::string clear) {
  Needle n(base64_encode(clear));
  wipe_string(clear);
  return n;
}

// Number of places in this process's readable, writable memory that hold
// `n`: heap, stacks, anonymous mappings (the program's own code and
// read-only data are skipped; huge sanitizer reservations too).
size_t occurrences(const Needle& n) {
  FILE* maps = std::fopen("/proc/self/maps", "r");
  if (!maps) return 0;
  const int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  constexpr size_t kChunk = 1 << 20;
  // The scan buffer is outside the heap and skipped.
  auto* buf = static_cast<char*>(mmap(nullptr, kChunk + 4096, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  const auto self = reinterpret_cast<uintptr_t>(buf);
  size_t found = 0;
  char line[512];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
    if (perms[0] != 'r' || perms[1] != 'w') continue;
    if (std::strstr(line, "[vvar]") || std::strstr(line, "[vsyscall]")) continue;
    // Over 128 MiB is a sanitizer's shadow or reservation, not data.
    if (lo == self || hi - lo > (128UL << 20)) continue;
    for (unsigned long at = lo; at < hi; at += kChunk) {
      const size_t want = std::min<unsigned long>(kChunk + n.size(), hi - at);
      const ssize_t got = pread(mem, buf, want, static_cast<off_t>(at));
      if (got <= 0) break;
      const size_t len = static_cast<size_t>(got);
      for (size_t i = 0; i + n.size() <= len && i < kChunk; ++i) {
        size_t k = 0;
        while (k < n.size() && buf[i + k] == n.at(k)) ++k;
        if (k == n.size()) ++found;
      }
    }
  }
  OPENSSL_cleanse(buf, kChunk + 4096);
  munmap(buf, kChunk + 4096);
  close(mem);
  std::fclose(maps);
  return found;
}

// The server end: greets, offers AUTH, accepts whatever comes, answers
// QUIT. It reads into one fixed buffer and wipes every line it saw.
class AuthPeer {
 public:
  AuthPeer(EventLoop& loop, UniqueFd fd) : loop_(loop), fd_(std::move(fd)) {
    loop_.watch(fd_.get(), EPOLLIN | EPOLLRDHUP, [this](uint32_t) { on_readable(); });
    say("220 peer.test ESMTP\r\n");
  }
  ~AuthPeer() {
    OPENSSL_cleanse(line_, sizeof line_);
    if (fd_) loop_.unwatch(fd_.get());
  }

 private:
  void say(const char* s) { ASSERT_GT(::send(fd_.get(), s, std::strlen(s), MSG_NOSIGNAL), 0); }
  void on_readable() {
    char c;
    for (;;) {
      const ssize_t n = recv(fd_.get(), &c, 1, 0);
      if (n <= 0) {
        if (n == 0) {
          loop_.unwatch(fd_.get());
          fd_.reset();
        }
        return;
      }
      if (len_ < sizeof line_) line_[len_++] = c;
      c = 0;
      if (line_[len_ - 1] != '\n') continue;
      on_line();
      OPENSSL_cleanse(line_, sizeof line_);
      len_ = 0;
    }
  }
  void on_line() {
    auto is = [&](const char* verb) { return std::strncmp(line_, verb, std::strlen(verb)) == 0; };
    if (is("EHLO")) {
      say("250-peer.test\r\n250 AUTH PLAIN LOGIN XOAUTH2\r\n");
    } else if (is("AUTH LOGIN")) {
      say("334 VXNlcm5hbWU6\r\n");
      login_step_ = 1;
    } else if (login_step_ == 1) {
      say("334 UGFzc3dvcmQ6\r\n");
      login_step_ = 2;
    } else if (login_step_ == 2 || is("AUTH")) {
      say("235 2.7.0 ok\r\n");
      login_step_ = 0;
    } else if (is("QUIT")) {
      say("221 bye\r\n");
    } else {
      say("250 ok\r\n");
    }
  }

  EventLoop& loop_;
  UniqueFd fd_;
  char line_[8192] = {};
  size_t len_ = 0;
  int login_step_ = 0;
};

// One AUTH-only session for `mechanism` with the given credentials.
bool run_auth_session(const std::string& mechanism, Secret user, Secret secret) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return false;
  EventLoop loop;
  AuthPeer peer(loop, UniqueFd(sv[1]));
  SendSessionOptions o;
  o.ehlo_name = "client.test";
  o.encryption = Encryption::None;
  o.allow_insecure_auth = true;
  o.auth_only = true;
  AuthSettings a;
  a.username = std::move(user);
  a.secret = std::move(secret);
  a.mechanism = mechanism;
  o.auth = std::move(a);
  bool done = false, ok = false;
  const Deadline deadline = Deadline::after(5);
  {
    SendSession s(loop, UniqueFd(sv[0]), deadline, Clock::now(), std::move(o), MessageSpec{},
                  [&](SendObservation&& obs) {
                    done = true;
                    ok = obs.ok;
                  });
    s.start();
    loop.run(deadline, [&] { return done; });
  }
  return ok;
}

TEST(SecretMemory, NoCredentialSurvivesAnAuthenticatedSession) {
  struct Case {
    const char* mechanism;
    const char* parts[3];
  };
  // A long password (heap), a short one (inline in the string object), a token.
  const Case cases[] = {
      {"auto", {"Corr3ct-", "H0rse-Battery-", "Staple!42"}},
      {"login", {"pw", "-9", "z"}},
      {"xoauth2", {"ya29.", "A0-fuzz-TOKEN-", "abcdefghijklmnop"}},
  };
  for (const Case& c : cases) {
    Secret user = make_secret("alice", "@", "example.test");
    Secret pass = make_secret(c.parts[0], c.parts[1], c.parts[2]);
    std::vector<Needle> needles;
    needles.emplace_back(pass.reveal());
    needles.push_back(base64_needle(pass.reveal()));
    std::string plain;
    plain.reserve(256);
    plain += '\0';
    plain += user.reveal();
    plain += '\0';
    plain += pass.reveal();
    needles.push_back(base64_needle(plain));
    wipe_string(plain);
    plain.reserve(256);
    plain += "user=";
    plain += user.reveal();
    plain += "\x01" "auth=Bearer ";
    plain += pass.reveal();
    plain += "\x01\x01";
    needles.push_back(base64_needle(plain));
    wipe_string(plain);

    // Control: right now the one copy is the Secret itself, so the search
    // works and the test's own code left nothing behind.
    EXPECT_EQ(occurrences(needles[0]), 1u) << c.mechanism << ": copies before the session";
    ASSERT_TRUE(run_auth_session(c.mechanism, std::move(user), std::move(pass))) << c.mechanism;
    for (size_t i = 0; i < needles.size(); ++i) {
      EXPECT_EQ(occurrences(needles[i]), 0u)
          << c.mechanism << ": form " << i << " (0 clear, 1 base64, 2 PLAIN, 3 XOAUTH2) is still in memory";
    }
  }
}

}  // namespace
}  // namespace smtpdiag
