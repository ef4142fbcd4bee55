#include "mailauth/spf_check.h"

#include <algorithm>

namespace smtpdiag {

SpfCheckResult run_spf_check(const SpfCheckConfig& cfg) {
  SpfCheckResult res;
  const TimePoint t0 = Clock::now();
  const Deadline deadline = Deadline::after(cfg.timeout, t0);
  EventLoop loop;
  ResolverOptions ro;
  ro.servers = cfg.dns_servers;
  ro.try_timeout_ms = std::clamp(static_cast<int>(cfg.timeout * 1000 / 4), 100, 3000);
  ro.tries = 2;
  Resolver resolver(loop, ro);
  DnsCache cache;
  bool have = false;
  DnsTaskRunner runner(loop, resolver, cache, deadline);
  runner.add([&](DnsCache& c) {
    res.outcome = evaluate_spf(cfg.request, c);
    have = true;
    return true;
  });
  if (!resolver.ok()) {
    res.outcome.result = SpfResult::TempError;
    res.outcome.error = resolver.error();
  } else if (!runner.run() || !have) {
    res.outcome = SpfOutcome{};
    res.outcome.result = SpfResult::TempError;
    res.outcome.error = "DNS answers did not arrive before the deadline";
  }
  resolver.cancel();
  res.queries = runner.queries();
  res.elapsed_ms = ms_between(t0, Clock::now());
  return res;
}

}  // namespace smtpdiag
