// smtpdiag_check_spf(): RFC 7208 check_host() for one IP and sender, on
// its own loop under one deadline (smtpdiag_check_domain() runs the same
// evaluator over a shared cache).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mailauth/spf.h"

namespace smtpdiag {

struct SpfCheckConfig {
  SpfRequest request;
  double timeout = 10.0;
  std::vector<std::pair<IpAddress, uint16_t>> dns_servers;
};

struct SpfCheckResult {
  SpfOutcome outcome;
  size_t queries = 0;
  double elapsed_ms = 0;
};

SpfCheckResult run_spf_check(const SpfCheckConfig& config);

}  // namespace smtpdiag
