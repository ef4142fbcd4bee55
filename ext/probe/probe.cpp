#include "probe/probe.h"

#include <algorithm>
#include <cerrno>
#include <memory>

#include "dns/resolver.h"
#include "net/connect_probe.h"
#include "tls/tls_client.h"
#include "tls/trust_cache.h"

namespace smtpdiag {

namespace {

// A traced port waits this long before its connect is presumed dropped and
// the hop trace starts (the kernel's first SYN retransmission is at 1 s).
constexpr double kTraceAfterSeconds = 1.0;
// How long TTL-limited SYNs may wait for their ICMP answers: a router's
// time-exceeded comes back within its round trip, well inside a second;
// the trace then ends with the earliest early verdict (kMinimumPatience).
constexpr double kTraceWindowSeconds = 1.0;
// Routers allow a burst of about six ICMP errors to one destination
// (Linux: XRLIM_BURST_FACTOR); stay within it per address family.
constexpr int kMaxTracesPerFamily = 5;

bool is_dns_name(const std::string& host) { return !IpAddress::parse(host).has_value(); }

struct Target {
  size_t index = 0;  // position in the result
  IpAddress address;
  uint16_t port = 0;
  TimePoint started{};
  std::unique_ptr<ConnectAttempt> attempt;
  bool connect_done = false;
  ConnectOutcome outcome;
  Classification cls;
  std::unique_ptr<ProbeSession> session;
  bool session_done = false;
  std::optional<SmtpObservation> smtp;
  std::optional<TlsObservation> tls;
  HopTracer* tracer = nullptr;  // owned by Run::tracers
  HopTracer* recheck = nullptr; // a second, lone TTL-1 look (see schedule_recheck)
  HopTracer* after = nullptr;   // a TTL-1 SYN to the reference port sent just after this trace's
  bool recheck_pending = false;
  bool trace_wanted = false;
};

}  // namespace

struct ProbeRun::State {
 public:
  State(EventLoop& loop, const ProbeConfig& cfg, Deadline deadline)
      : cfg_(cfg), t0_(Clock::now()), deadline_(deadline), loop_(loop) {}

  ~State() {
    // The loop may outlive us (diagnose_many): no timer may call back.
    for (EventLoop::TimerId id : timers_) loop_.cancel_timer(id);
  }

  void start();
  ProbeResult finish();
  bool done() const;

 private:
  void start_dns();
  void on_addresses(Family f, DnsStatus st, std::vector<IpAddress> addrs);
  void add_address(const IpAddress& a);
  void on_connect(Target& t, ConnectOutcome&& o);
  void maybe_trace(Target& t);
  void schedule_recheck(Target& t, TimePoint trace_end);
  HopTracer* reference_for(const IpAddress& a);
  const HopTracer* reference_of(const IpAddress& a) const;
  uint16_t reference_port() const;
  bool recheck_may_matter(const Target& t) const;
  void stop_everything();
  void assemble(ProbeResult& r);

  const ProbeConfig cfg_;
  TimePoint t0_;
  Deadline deadline_;
  EventLoop& loop_;
  std::unique_ptr<Resolver> resolver_;
  SslCtxPtr tls_ctx_;
  std::string tls_ctx_error_;
  int dns_pending_ = 0;
  DnsStatus v4_status_ = DnsStatus::Ok, v6_status_ = DnsStatus::Ok;
  bool asked_v4_ = false, asked_v6_ = false;
  double dns_ms_ = 0;
  std::vector<IpAddress> addresses_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::vector<std::unique_ptr<HopTracer>> tracers_;
  std::vector<std::pair<IpAddress, HopTracer*>> references_;
  int traces_v4_ = 0, traces_v6_ = 0;
  std::vector<EventLoop::TimerId> timers_;
  ReachBoard own_board_;
  ReachBoard* board_ = nullptr;  // null: early verdicts off
};

void ProbeRun::State::start() {
  if (cfg_.early_verdict) board_ = cfg_.reach ? cfg_.reach : &own_board_;
  if (cfg_.tls) {
    TlsClientOptions o;
    o.ca_file = cfg_.ca_file;
    o.ca_path = cfg_.ca_path;
    o.max_version = cfg_.tls_max_version;
    tls_ctx_ = client_context(cfg_.trust, o, &tls_ctx_error_);
  }
  start_dns();
}

ProbeResult ProbeRun::State::finish() {
  for (EventLoop::TimerId id : timers_) loop_.cancel_timer(id);
  timers_.clear();
  ProbeResult r;
  r.host = cfg_.host;
  stop_everything();
  r.elapsed_ms = ms_between(t0_, Clock::now());
  assemble(r);
  return r;
}

void ProbeRun::State::start_dns() {
  if (auto literal = IpAddress::parse(cfg_.host)) {
    add_address(*literal);
    return;
  }
  ResolverOptions ro;
  ro.servers = cfg_.dns_servers;
  // Two tries, each a third of the call, so DNS never eats the deadline.
  ro.try_timeout_ms = std::clamp(static_cast<int>(cfg_.timeout * 1000 / 3), 200, 5000);
  ro.tries = 2;
  resolver_ = std::make_unique<Resolver>(loop_, ro);
  if (!resolver_->ok()) {
    v4_status_ = v6_status_ = DnsStatus::Error;
    return;
  }
  auto ask = [this](Family f) {
    ++dns_pending_;
    (f == Family::V4 ? asked_v4_ : asked_v6_) = true;
    resolver_->resolve(cfg_.host, f, [this, f](DnsStatus st, std::vector<IpAddress> a) {
      on_addresses(f, st, std::move(a));
    });
  };
  if (cfg_.family != FamilyPref::V6) ask(Family::V4);
  if (cfg_.family != FamilyPref::V4) ask(Family::V6);
}

void ProbeRun::State::on_addresses(Family f, DnsStatus st, std::vector<IpAddress> addrs) {
  --dns_pending_;
  (f == Family::V4 ? v4_status_ : v6_status_) = st;
  if (dns_pending_ == 0) dns_ms_ = ms_between(t0_, Clock::now());
  for (const auto& a : addrs) add_address(a);
}

void ProbeRun::State::add_address(const IpAddress& a) {
  if (cfg_.family == FamilyPref::V4 && a.family != Family::V4) return;
  if (cfg_.family == FamilyPref::V6 && a.family != Family::V6) return;
  if (std::find(addresses_.begin(), addresses_.end(), a) != addresses_.end()) return;
  addresses_.push_back(a);
  if (board_) board_->add(cfg_.host, a);
  const TimePoint now = Clock::now();
  const TimePoint give_up = Deadline::after(cfg_.connect_timeout, now).min(deadline_).at();
  for (uint16_t port : cfg_.ports) {
    auto t = std::make_unique<Target>();
    t->index = targets_.size();
    t->address = a;
    t->port = port;
    t->started = now;
    Target* raw = t.get();
    t->attempt = std::make_unique<ConnectAttempt>(
        loop_, a, port, give_up, 0, [this, raw](ConnectOutcome&& o) { on_connect(*raw, std::move(o)); });
    if (board_) t->attempt->use_board(board_);
    targets_.push_back(std::move(t));
    if (cfg_.trace) {
      // Still nothing after a while: start locating the drop while the
      // connect keeps waiting, so the answer is ready when it times out.
      const double after = std::min(kTraceAfterSeconds, cfg_.connect_timeout / 2);
      timers_.push_back(loop_.add_timer(Deadline::after(after, now).at(), [this, raw] {
        if (!raw->connect_done) maybe_trace(*raw);
      }));
    }
  }
  for (size_t i = targets_.size() - cfg_.ports.size(); i < targets_.size(); ++i)
    targets_[i]->attempt->start();
}

void ProbeRun::State::on_connect(Target& t, ConnectOutcome&& o) {
  t.connect_done = true;
  bool from_local = false;
  if (o.icmp && o.icmp->from) from_local = is_local_address(*o.icmp->from);
  t.cls = classify_connect(o, t.address, from_local);
  t.outcome = std::move(o);
  if (t.cls.state == PortState::Open) {
    ProbeSessionOptions so;
    so.ehlo_name = cfg_.ehlo_name;
    so.implicit_tls =
        std::find(cfg_.implicit_tls_ports.begin(), cfg_.implicit_tls_ports.end(), t.port) !=
        cfg_.implicit_tls_ports.end();
    so.tls_ctx = tls_ctx_.get();
    if (std::find(cfg_.first_answer_ports.begin(), cfg_.first_answer_ports.end(), t.port) !=
        cfg_.first_answer_ports.end())
      so.first_answer_timeout = cfg_.first_answer_timeout;
    if (is_dns_name(cfg_.host)) {
      std::string name = cfg_.host;
      if (!name.empty() && name.back() == '.') name.pop_back();
      so.sni = name;
      so.verify_host = name;
    }
    if (cfg_.sni) so.sni = *cfg_.sni;
    Target* raw = &t;
    t.session = std::make_unique<ProbeSession>(
        loop_, std::move(t.outcome.fd), deadline_, so,
        [raw](SmtpObservation&& obs, std::optional<TlsObservation>&& tls) {
          raw->session_done = true;
          raw->smtp = std::move(obs);
          raw->tls = std::move(tls);
        });
    t.session->start();
    return;
  }
  if (cfg_.trace && t.cls.needs_trace) maybe_trace(t);
}

HopTracer* ProbeRun::State::reference_for(const IpAddress& a) {
  for (auto& [addr, tr] : references_)
    if (addr == a) return tr;
  int& used = a.family == Family::V4 ? traces_v4_ : traces_v6_;
  if (used >= kMaxTracesPerFamily) return nullptr;
  ++used;
  const TimePoint until = Deadline::after(kTraceWindowSeconds).min(deadline_).at();
  tracers_.push_back(std::make_unique<HopTracer>(loop_, a, reference_port(), cfg_.max_hops, until));
  HopTracer* tr = tracers_.back().get();
  if (board_) tr->use_board(board_);
  references_.emplace_back(a, tr);
  tr->start();
  return tr;
}

// 443 is rarely blocked where SMTP is: a port that shows how far a packet
// to an address gets when nothing filters it.
uint16_t ProbeRun::State::reference_port() const {
  const bool probed = std::find(cfg_.ports.begin(), cfg_.ports.end(), 443) != cfg_.ports.end();
  return probed ? 80 : 443;
}

const HopTracer* ProbeRun::State::reference_of(const IpAddress& a) const {
  for (const auto& [addr, tr] : references_)
    if (addr == a) return tr;
  return nullptr;
}

void ProbeRun::State::maybe_trace(Target& t) {
  if (t.tracer || t.trace_wanted) return;
  t.trace_wanted = true;
  reference_for(t.address);
  int& used = t.address.family == Family::V4 ? traces_v4_ : traces_v6_;
  if (used >= kMaxTracesPerFamily) return;  // shares another port's trace later
  ++used;
  const TimePoint until = Deadline::after(kTraceWindowSeconds).min(deadline_).at();
  tracers_.push_back(
      std::make_unique<HopTracer>(loop_, t.address, t.port, cfg_.max_hops, until));
  t.tracer = tracers_.back().get();
  t.tracer->start();
  // One more TTL-1 SYN, to the reference port, right behind this port's:
  // if hop 1 answers it but not this port's, that was no rate limit (the
  // later SYN found an ICMP allowance the earlier one would have had), so
  // the drop is on this host and the timed look again is not needed.
  const HopTracer* ref = reference_of(t.address);
  if (ref && used < kMaxTracesPerFamily) {
    ++used;
    tracers_.push_back(std::make_unique<HopTracer>(loop_, t.address, reference_port(), 1, until));
    t.after = tracers_.back().get();
    t.after->start();
  }
  schedule_recheck(t, until);
}

// Routers rate-limit ICMP (Linux: a burst of 6, then 1 a second per
// destination), so "hop 1 answered the reference port but not this one"
// can be a lost ICMP, not a local drop: look once more, alone, after the
// router's allowance refilled. Only a second silence counts as local.
void ProbeRun::State::schedule_recheck(Target& t, TimePoint trace_end) {
  const TimePoint at = trace_end + std::chrono::milliseconds(1100);
  if (at + std::chrono::milliseconds(900) > deadline_.at()) return;  // no time for it
  t.recheck_pending = true;
  Target* raw = &t;
  timers_.push_back(loop_.add_timer(at, [this, raw] {
    raw->recheck_pending = false;
    if (!recheck_may_matter(*raw)) return;
    const TimePoint until = Deadline::after(0.9).min(deadline_).at();
    tracers_.push_back(std::make_unique<HopTracer>(loop_, raw->address, raw->port, 1, until));
    raw->recheck = tracers_.back().get();
    raw->recheck->start();
  }));
}

// Whether the timed second look (schedule_recheck) can still change this
// port's answer: only while the first look says "hop 1 answered the
// reference port, not this one" and nothing has ruled out a rate limit.
bool ProbeRun::State::recheck_may_matter(const Target& t) const {
  using K = HopAnswer::Kind;
  const HopTracer* ref = reference_of(t.address);
  if (!t.tracer || !ref || t.tracer->trace().empty() || ref->trace().empty()) return false;
  const K own = t.tracer->trace()[0].kind;
  const K first = ref->trace()[0].kind;
  if (first == K::Pending) return true;
  if (first != K::TimeExceeded) return false;
  if (own != K::Silent && own != K::Pending) return false;
  if (t.after && !t.after->trace().empty()) {
    const K later = t.after->trace()[0].kind;
    if (later == K::Pending) return true;
    if (later == K::TimeExceeded) return false;  // no rate limit: settled
  }
  return true;
}

bool ProbeRun::State::done() const {
  if (dns_pending_ > 0) return false;
  for (const auto& t : targets_) {
    if (!t->connect_done) return false;
    if (t->session && !t->session_done) return false;
    if (t->recheck_pending && recheck_may_matter(*t)) return false;
  }
  for (const auto& tr : tracers_)
    if (!tr->complete()) return false;
  return true;
}

void ProbeRun::State::stop_everything() {
  if (resolver_) resolver_->cancel();
  for (auto& t : targets_) {
    if (!t->connect_done && t->attempt) t->attempt->abandon();
    if (t->session && !t->session_done) t->session->abandon();
  }
  for (auto& tr : tracers_)
    if (!tr->complete()) tr->finish();
}

void ProbeRun::State::assemble(ProbeResult& r) {
  // DNS
  DnsObservation& d = r.dns;
  d.ms = dns_ms_;
  if (cfg_.dns_servers.empty()) {
    d.resolver = "system";
  } else {
    for (const auto& [a, p] : cfg_.dns_servers) {
      if (!d.resolver.empty()) d.resolver += ", ";
      d.resolver += a.to_string();
      if (p && p != 53) d.resolver += ":" + std::to_string(p);
    }
  }
  if (!resolver_) {
    d.status = "literal";
  } else if (!resolver_->ok()) {
    d.status = "error";
    d.error = resolver_->error();
  } else if (!addresses_.empty()) {
    d.status = "ok";
  } else {
    // No address: say why, most specific first.
    auto both = [&](DnsStatus s) {
      return (!asked_v4_ || v4_status_ == s) && (!asked_v6_ || v6_status_ == s);
    };
    auto any = [&](DnsStatus s) {
      return (asked_v4_ && v4_status_ == s) || (asked_v6_ && v6_status_ == s);
    };
    if (both(DnsStatus::NxDomain)) d.status = "nxdomain";
    else if (any(DnsStatus::Timeout) || any(DnsStatus::Cancelled)) d.status = "timeout";
    else if (any(DnsStatus::Unreachable)) d.status = "unreachable";
    else if (any(DnsStatus::ServFail)) d.status = "servfail";
    else if (any(DnsStatus::Refused)) d.status = "refused";
    else if (any(DnsStatus::NoData) || any(DnsStatus::NxDomain)) d.status = "no_address";
    else d.status = "error";
    d.error = "no address for " + cfg_.host + " (" + d.status + ")";
  }
  r.addresses = addresses_;

  for (const auto& tp : targets_) {
    const Target& t = *tp;
    PortResult p;
    p.port = t.port;
    p.address = t.address;
    p.state = t.cls.state;
    p.err = t.outcome.kind == ConnectOutcome::Kind::Connected ? 0 : t.outcome.err;
    p.icmp = t.outcome.icmp;
    p.connect_ms = t.outcome.ms;
    p.gave_up_early = t.outcome.early;
    p.syns = t.outcome.syns;
    if (board_ && t.outcome.kind == ConnectOutcome::Kind::TimedOut) p.answered_ms = board_->answer_ms(t.address);
    if (t.cls.needs_trace && cfg_.trace) {
      // Its own trace, or (over the ICMP budget) one of the same address.
      const HopTracer* tr = t.tracer;
      if (!tr) {
        for (const auto& o : targets_)
          if (o->tracer && o->address == t.address) { tr = o->tracer; break; }
      }
      const HopTracer* ref = nullptr;
      for (const auto& [a, rt] : references_)
        if (a == t.address) ref = rt;
      static const HopTrace kEmpty;
      HopTrace own = tr ? tr->trace() : kEmpty;
      if (t.recheck && !own.empty() && !t.recheck->trace().empty() &&
          t.recheck->trace()[0].kind != HopAnswer::Kind::Silent &&
          t.recheck->trace()[0].kind != HopAnswer::Kind::Pending)
        own[0] = t.recheck->trace()[0];  // the first look's ICMP was lost
      const auto loc = locate_block(p.state, p.icmp, own,
                                    ref ? ref->trace() : kEmpty,
                                    t.outcome.source ? t.outcome.source
                                                     : (tr ? tr->source() : std::nullopt));
      p.state = loc.state;
      p.blocked_at = loc.at;
    }
    if (p.state == PortState::BlockedLocal && !p.blocked_at) {
      BlockLocation at;
      at.hop = 0;
      at.local = true;
      at.address = t.outcome.source;
      p.blocked_at = at;
    }
    if (t.smtp) p.smtp = t.smtp;
    if (t.tls) {
      TlsObservation copy;
      copy.mode = t.tls->mode;
      copy.ok = t.tls->ok;
      copy.protocol = t.tls->protocol;
      copy.cipher = t.tls->cipher;
      copy.handshake_ms = t.tls->handshake_ms;
      copy.error = t.tls->error;
      copy.plaintext_reply = t.tls->plaintext_reply;
      copy.verify_code = t.tls->verify_code;
      copy.verify_error = t.tls->verify_error;
      for (const auto& x : t.tls->chain) {
        X509_up_ref(x.get());
        copy.chain.emplace_back(x.get());
      }
      p.tls = std::move(copy);
    } else if (p.state == PortState::Open && cfg_.tls && !tls_ctx_ && p.smtp) {
      TlsObservation failed;
      failed.mode = "none";
      failed.error = tls_ctx_error_;
      p.tls = std::move(failed);
    }
    r.ports.push_back(std::move(p));
  }
  // Address order, then the order the ports were asked in.
  std::stable_sort(r.ports.begin(), r.ports.end(), [&](const PortResult& a, const PortResult& b) {
    auto ai = std::find(addresses_.begin(), addresses_.end(), a.address) - addresses_.begin();
    auto bi = std::find(addresses_.begin(), addresses_.end(), b.address) - addresses_.begin();
    return ai < bi;
  });
  r.findings = probe_findings(r);
}

ProbeRun::ProbeRun(EventLoop& loop, const ProbeConfig& config, Deadline deadline)
    : s_(std::make_unique<State>(loop, config, deadline)) {}
ProbeRun::~ProbeRun() = default;
void ProbeRun::start() { s_->start(); }
bool ProbeRun::done() const { return s_->done(); }
ProbeResult ProbeRun::finish() { return s_->finish(); }

ProbeResult run_probe(const ProbeConfig& config) {
  EventLoop loop;
  const Deadline deadline = Deadline::after(config.timeout);
  ProbeRun run(loop, config, deadline);
  run.start();
  loop.run(deadline, [&] { return run.done(); });
  return run.finish();
}

}  // namespace smtpdiag
