#include "net/connect_probe.h"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace smtpdiag {

std::optional<IcmpInfo> read_error_queue(int fd, Family family) {
  std::optional<IcmpInfo> last;
  // Bounded: the queue can only hold what the kernel allowed, but never
  // loop forever on a misbehaving socket either.
  for (int i = 0; i < 64; ++i) {
    char data[64];
    iovec iov{data, sizeof data};
    alignas(cmsghdr) char control[512];
    sockaddr_storage name{};
    msghdr msg{};
    msg.msg_name = &name;
    msg.msg_namelen = sizeof name;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: queue empty
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
      const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
      if (!v4 && !v6) continue;
      sock_extended_err ee{};
      std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
      IcmpInfo info;
      switch (ee.ee_origin) {
        case SO_EE_ORIGIN_ICMP: info.origin = IcmpInfo::Origin::Icmp; break;
        case SO_EE_ORIGIN_ICMP6: info.origin = IcmpInfo::Origin::Icmp6; break;
        case SO_EE_ORIGIN_LOCAL: info.origin = IcmpInfo::Origin::Local; break;
        default: info.origin = IcmpInfo::Origin::Other; break;
      }
      info.type = ee.ee_type;
      info.code = ee.ee_code;
      info.err = static_cast<int>(ee.ee_errno);
      // The offender address follows the struct inside the cmsg payload.
      const auto* offender = reinterpret_cast<const sockaddr*>(
          CMSG_DATA(c) + sizeof(sock_extended_err));
      const size_t payload = c->cmsg_len - CMSG_LEN(0);
      if (payload >= sizeof(sock_extended_err) + sizeof(sockaddr_in) &&
          (offender->sa_family == AF_INET || offender->sa_family == AF_INET6)) {
        if (offender->sa_family == AF_INET6 &&
            payload < sizeof(sock_extended_err) + sizeof(sockaddr_in6)) {
          // truncated: no address
        } else {
          info.from = IpAddress::from_sockaddr(offender);
        }
      }
      last = info;
    }
  }
  (void)family;
  return last;
}

ConnectAttempt::ConnectAttempt(EventLoop& loop, IpAddress address, uint16_t port,
                               TimePoint give_up, int ttl, Callback done)
    : loop_(loop), address_(address), port_(port), give_up_(give_up), ttl_(ttl),
      done_(std::move(done)) {}

ConnectAttempt::~ConnectAttempt() {
  if (timer_) loop_.cancel_timer(timer_);
  if (patience_timer_) loop_.cancel_timer(patience_timer_);
  if (fd_) loop_.unwatch(fd_.get());
}

void ConnectAttempt::capture_source(ConnectOutcome& out) const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd_ && getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) == 0 &&
      (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
    auto a = IpAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
    // An unbound socket reports the unspecified address: not a source.
    static const uint8_t zero[16] = {};
    if (std::memcmp(a.bytes, zero, a.family == Family::V4 ? 4 : 16) != 0) out.source = a;
  }
}

void ConnectAttempt::start() {
  if (finished_) return;  // abandoned before it began
  started_ = Clock::now();
  const int af = address_.family == Family::V4 ? AF_INET : AF_INET6;
  fd_.reset(socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_) {
    ConnectOutcome out;
    out.err = errno;
    out.immediate = true;
    finish(std::move(out));
    return;
  }
  const int on = 1;
  if (af == AF_INET) {
    setsockopt(fd_.get(), SOL_IP, IP_RECVERR, &on, sizeof on);
    if (ttl_ > 0) setsockopt(fd_.get(), SOL_IP, IP_TTL, &ttl_, sizeof ttl_);
  } else {
    setsockopt(fd_.get(), SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
    setsockopt(fd_.get(), SOL_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (ttl_ > 0) setsockopt(fd_.get(), SOL_IPV6, IPV6_UNICAST_HOPS, &ttl_, sizeof ttl_);
  }
  if (ttl_ > 0) {
    // A TTL probe only needs its SYN to go out once: no lingering on close.
    linger lg{1, 0};
    setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  sockaddr_storage ss{};
  const socklen_t len = address_.to_sockaddr(port_, &ss);
  int rc;
  do {
    rc = connect(fd_.get(), reinterpret_cast<sockaddr*>(&ss), len);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) {
    ConnectOutcome out;
    out.kind = ConnectOutcome::Kind::Connected;
    finish(std::move(out));
    return;
  }
  if (errno != EINPROGRESS) {
    ConnectOutcome out;
    out.err = errno;
    out.immediate = true;
    out.icmp = read_error_queue(fd_.get(), address_.family);
    finish(std::move(out));
    return;
  }
  loop_.watch(fd_.get(), EPOLLOUT | EPOLLERR | EPOLLHUP,
              [this](uint32_t ev) { on_event(ev); });
  timer_ = loop_.add_timer(give_up_, [this] {
    timer_ = 0;
    abandon();
  });
  // TTL-limited SYNs are meant to go unanswered: only real connects may
  // be ended early.
  if (board_ && ttl_ == 0) schedule_patience_check(Deadline::after(kMinimumPatience, started_).at());
}

void ConnectAttempt::schedule_patience_check(TimePoint when) {
  // Only worth a timer when it would fire before the connect timeout.
  if (when >= give_up_) return;
  patience_timer_ = loop_.add_timer(when, [this] {
    patience_timer_ = 0;
    check_patience();
  });
}

// SYNs this socket has sent: the first and the kernel's retransmissions.
int ConnectAttempt::syns_sent() const {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (!fd_ || getsockopt(fd_.get(), IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
  const int again = std::max<int>(info.tcpi_retransmits, static_cast<int>(info.tcpi_total_retrans));
  return 1 + again;
}

void ConnectAttempt::check_patience() {
  if (finished_) return;
  const double waited = ms_between(started_, Clock::now()) / 1000;
  const std::optional<double> patience = board_->patience(address_);
  const int syns = syns_sent();
  if (patience && waited >= *patience && syns >= 2) {
    ConnectOutcome out;
    out.kind = ConnectOutcome::Kind::TimedOut;
    out.err = ETIMEDOUT;
    out.early = true;
    out.syns = syns;
    if (auto icmp = read_error_queue(fd_.get(), address_.family)) last_icmp_ = icmp;
    out.icmp = last_icmp_;
    finish(std::move(out));
    return;
  }
  // Not yet, or no evidence yet (another port may still answer): look again.
  TimePoint next = Clock::now() + std::chrono::milliseconds(250);
  if (patience && waited < *patience) next = std::max(next, Deadline::after(*patience, started_).at());
  schedule_patience_check(next);
}

void ConnectAttempt::abandon() {
  if (finished_) return;
  ConnectOutcome out;
  out.kind = ConnectOutcome::Kind::TimedOut;
  out.err = ETIMEDOUT;
  if (fd_) {
    if (auto icmp = read_error_queue(fd_.get(), address_.family)) last_icmp_ = icmp;
  }
  out.icmp = last_icmp_;
  finish(std::move(out));
}

void ConnectAttempt::on_event(uint32_t events) {
  if (finished_) return;
  // SO_ERROR first: dequeuing the ICMP error queue resets the socket's
  // pending error, after which a failed connect would look connected.
  int soerr = 0;
  socklen_t len = sizeof soerr;
  getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &soerr, &len);
  if (events & EPOLLERR) {
    if (auto icmp = read_error_queue(fd_.get(), address_.family)) last_icmp_ = icmp;
  }
  if (soerr == 0 && (events & EPOLLOUT) && !(events & (EPOLLERR | EPOLLHUP))) {
    // Connected only if the kernel agrees it has a peer.
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    if (getpeername(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &plen) == 0) {
      ConnectOutcome out;
      out.kind = ConnectOutcome::Kind::Connected;
      finish(std::move(out));
      return;
    }
    soerr = last_icmp_ && last_icmp_->err ? last_icmp_->err : ECONNREFUSED;
  }
  if (soerr == 0 && (events & (EPOLLERR | EPOLLHUP)) && last_icmp_ && ttl_ == 0) {
    // The error was consumed with the queue entry: it is the ICMP's.
    int still = 0;
    len = sizeof still;
    getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &still, &len);
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    if (getpeername(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &plen) != 0 && errno == ENOTCONN)
      soerr = still ? still : (last_icmp_->err ? last_icmp_->err : EHOSTUNREACH);
  }
  if (soerr != 0) {
    ConnectOutcome out;
    out.err = soerr;
    out.icmp = last_icmp_;
    finish(std::move(out));
    return;
  }
  // A soft ICMP error (the kernel keeps retrying): remembered, keep waiting.
  if (ttl_ > 0 && last_icmp_) {
    ConnectOutcome out;
    out.err = last_icmp_->err ? last_icmp_->err : EHOSTUNREACH;
    out.icmp = last_icmp_;
    finish(std::move(out));
  }
}

void ConnectAttempt::finish(ConnectOutcome&& outcome) {
  if (finished_) return;
  finished_ = true;
  outcome.ms = ms_between(started_, Clock::now());
  if (timer_) {
    loop_.cancel_timer(timer_);
    timer_ = 0;
  }
  if (patience_timer_) {
    loop_.cancel_timer(patience_timer_);
    patience_timer_ = 0;
  }
  if (board_ && !outcome.immediate) {
    // An answer from the address itself: a SYN-ACK, or a RST (not an
    // ICMP error from a router on the way).
    const bool refused_by_peer = outcome.kind == ConnectOutcome::Kind::Failed &&
                                 outcome.err == ECONNREFUSED &&
                                 (!outcome.icmp || (outcome.icmp->from && *outcome.icmp->from == address_));
    if (outcome.kind == ConnectOutcome::Kind::Connected || refused_by_peer)
      board_->answered(address_, outcome.ms);
  }
  // A TTL-limited SYN is meant to go unanswered: only real connects count theirs.
  if (outcome.kind == ConnectOutcome::Kind::TimedOut && !outcome.early && fd_ && ttl_ == 0) outcome.syns = syns_sent();
  capture_source(outcome);
  if (fd_) loop_.unwatch(fd_.get());
  if (outcome.kind == ConnectOutcome::Kind::Connected) {
    outcome.fd = std::move(fd_);
  } else {
    fd_.reset();
  }
  // done_ may destroy this object: move it out first.
  auto done = std::move(done_);
  done(std::move(outcome));
}

}  // namespace smtpdiag
