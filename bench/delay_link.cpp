// A link with a fixed one-way delay, for comparison 2b: this kernel has no
// sch_netem (nor sch_fq to delay by timestamp), so the delay is added in
// user space. It opens a TUN device; the router namespace routes every
// packet it forwards into the device (policy routing, bench/lib/delay.sh),
// this program holds each packet for DELAY_MS and writes it back, and the
// kernel forwards it on as if it had just arrived. Both directions go
// through it, so a round trip grows by twice the delay.
//
//   delay_link IFNAME DELAY_MS     (runs until SIGTERM/SIGINT)
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Held {
  Clock::time_point due;
  std::vector<unsigned char> bytes;
};

int open_tun(const char* name) {
  const int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IFNAME DELAY_MS\n", argv[0]);
    return 2;
  }
  const long delay_ms = std::strtol(argv[2], nullptr, 10);
  if (delay_ms < 0 || delay_ms > 10000) {
    std::fprintf(stderr, "delay_link: DELAY_MS must be 0..10000\n");
    return 2;
  }
  const int fd = open_tun(argv[1]);
  if (fd < 0) {
    std::fprintf(stderr, "delay_link: cannot create TUN %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  const auto delay = std::chrono::milliseconds(delay_ms);
  // Every packet waits the same time, so the queue stays in arrival order.
  std::deque<Held> queue;
  constexpr size_t kMaxHeld = 65536;  // bounded: a flood is dropped, not buffered
  std::vector<unsigned char> buf(65536);
  std::fprintf(stderr, "delay_link: %s up, %ld ms each way\n", argv[1], delay_ms);
  while (!g_stop) {
    int wait_ms = -1;
    if (!queue.empty()) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(queue.front().due - Clock::now());
      // Round up: waking early only spins; never sleep past a due packet by more than 1 ms.
      wait_ms = left.count() <= 0 ? 0 : static_cast<int>((left.count() + 999) / 1000);
    }
    pollfd p{fd, POLLIN, 0};
    const int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && (p.revents & POLLIN)) {
      for (;;) {
        const ssize_t got = read(fd, buf.data(), buf.size());
        if (got <= 0) break;
        if (queue.size() >= kMaxHeld) continue;
        queue.push_back(Held{Clock::now() + delay, std::vector<unsigned char>(buf.begin(), buf.begin() + got)});
      }
    }
    const auto now = Clock::now();
    while (!queue.empty() && queue.front().due <= now) {
      const Held& h = queue.front();
      if (write(fd, h.bytes.data(), h.bytes.size()) < 0 && errno == EAGAIN) break;
      queue.pop_front();
    }
  }
  close(fd);
  return 0;
}
