#include "net/connector.h"

#include <algorithm>

namespace smtpdiag {

Connector::Connector(EventLoop& loop, ConnectorConfig config, Deadline deadline, Done done)
    : loop_(loop), cfg_(std::move(config)), deadline_(deadline), done_(std::move(done)),
      t0_(Clock::now()) {}

Connector::~Connector() {
  if (resolver_) resolver_->cancel();
}

void Connector::start() {
  if (auto literal = IpAddress::parse(cfg_.host)) {
    result_.dns_status = "literal";
    dns_pending_ = 1;
    on_dns(literal->family, DnsStatus::Ok, {*literal});
    return;
  }
  ResolverOptions ro;
  ro.servers = cfg_.dns_servers;
  ro.try_timeout_ms = std::clamp(deadline_.remaining_ms() / 3, 200, 5000);
  resolver_ = std::make_unique<Resolver>(loop_, ro);
  if (!resolver_->ok()) {
    result_.dns_status = "error";
    finish();
    return;
  }
  if (cfg_.v4) {
    ++dns_pending_;
    resolver_->resolve(cfg_.host, Family::V4,
                       [this](DnsStatus s, std::vector<IpAddress> a) { on_dns(Family::V4, s, std::move(a)); });
  }
  if (cfg_.v6) {
    ++dns_pending_;
    resolver_->resolve(cfg_.host, Family::V6,
                       [this](DnsStatus s, std::vector<IpAddress> a) { on_dns(Family::V6, s, std::move(a)); });
  }
}

void Connector::on_dns(Family f, DnsStatus st, std::vector<IpAddress> addrs) {
  if (finished_) return;
  --dns_pending_;
  (f == Family::V4 ? v4_ : v6_) = st;
  if (dns_pending_ == 0) result_.dns_ms = ms_between(t0_, Clock::now());
  const TimePoint give_up = Deadline::after(cfg_.connect_timeout).min(deadline_).at();
  const size_t first_new = attempts_.size();
  for (const IpAddress& a : addrs) {
    if ((a.family == Family::V4 && !cfg_.v4) || (a.family == Family::V6 && !cfg_.v6)) continue;
    const size_t index = result_.attempts.size();
    AddressAttempt at;
    at.address = a;
    result_.attempts.push_back(at);
    done_flags_.push_back(false);
    attempts_.push_back(std::make_unique<ConnectAttempt>(
        loop_, a, cfg_.port, give_up, 0, [this, index](ConnectOutcome&& o) { on_connect(index, std::move(o)); }));
    if (cfg_.reach) {
      cfg_.reach->add(cfg_.host, a);
      attempts_.back()->use_board(cfg_.reach);
    }
  }
  // Start after registering: a synchronous failure must find its slot.
  for (size_t i = first_new; i < attempts_.size() && !finished_; ++i) attempts_[i]->start();
  maybe_finish();
}

void Connector::on_connect(size_t index, ConnectOutcome&& o) {
  done_flags_[index] = true;
  AddressAttempt& at = result_.attempts[index];
  bool from_local = o.icmp && o.icmp->from && is_local_address(*o.icmp->from);
  at.state = classify_connect(o, at.address, from_local).state;
  at.err = o.kind == ConnectOutcome::Kind::Connected ? 0 : o.err;
  at.icmp = o.icmp;
  at.ms = o.ms;
  if (o.early) {
    at.gave_up_early = true;
    at.syns = o.syns;
    if (cfg_.reach) at.answered_ms = cfg_.reach->answer_ms(at.address);
  }
  if (o.kind == ConnectOutcome::Kind::Connected && !result_.fd) {
    result_.fd = std::move(o.fd);
    result_.connected = at.address;
  }
  maybe_finish();
}

void Connector::maybe_finish() {
  if (finished_) return;
  if (result_.fd) {
    finish();
    return;
  }
  if (dns_pending_ > 0) return;
  if (std::all_of(done_flags_.begin(), done_flags_.end(), [](bool b) { return b; })) finish();
}

void Connector::abandon() {
  if (finished_) return;
  for (auto& a : attempts_)
    if (!a->finished()) a->abandon();
  if (!finished_) finish();
}

void Connector::finish() {
  if (finished_) return;
  finished_ = true;
  if (result_.dns_status.empty()) {
    if (!result_.attempts.empty()) result_.dns_status = "ok";
    else if ((!cfg_.v4 || v4_ == DnsStatus::NxDomain) && (!cfg_.v6 || v6_ == DnsStatus::NxDomain)) result_.dns_status = "nxdomain";
    else if (v4_ == DnsStatus::Timeout || v6_ == DnsStatus::Timeout || v4_ == DnsStatus::Cancelled || v6_ == DnsStatus::Cancelled || dns_pending_ > 0) result_.dns_status = "timeout";
    else if (v4_ == DnsStatus::Unreachable || v6_ == DnsStatus::Unreachable) result_.dns_status = "unreachable";
    else if (v4_ == DnsStatus::ServFail || v6_ == DnsStatus::ServFail) result_.dns_status = "servfail";
    else if (v4_ == DnsStatus::Refused || v6_ == DnsStatus::Refused) result_.dns_status = "refused";
    else result_.dns_status = "no_address";
  }
  if (resolver_) resolver_->cancel();
  // Losers: stop them now (their sockets close).
  for (auto& a : attempts_)
    if (!a->finished()) a->abandon();
  auto done = std::move(done_);
  if (done) done(std::move(result_));
}

}  // namespace smtpdiag
