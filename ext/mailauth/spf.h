// SPF, RFC 7208: check_host() for an IP, a sender and a HELO name, with
// every mechanism and modifier, macros (section 7), the 10-lookup and
// 2-void-lookup limits (4.6.4) and permerror/temperror. Evaluated over a
// DnsCache so that it shares the call's one loop and deadline.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "mailauth/dns_cache.h"
#include "net/address.h"

namespace smtpdiag {

enum class SpfResult { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };
const char* spf_result_name(SpfResult r);

struct SpfRequest {
  IpAddress ip;
  std::string sender;     // MAIL FROM (may be empty: then postmaster@helo)
  std::string helo;       // HELO/EHLO name
  std::string domain;     // empty: the sender's domain, else the HELO name
  std::string receiver = "unknown";  // %{r}
  time_t now = 0;                    // %{t}
};

struct SpfOutcome {
  SpfResult result = SpfResult::None;
  std::string record;                 // the top-level record
  std::string mechanism;              // the directive that matched, if any
  std::string explanation;            // exp= text on fail
  std::string error;                  // why permerror/temperror
  int lookups = 0;                    // DNS-querying terms (limit 10)
  int void_lookups = 0;               // limit 2
  std::vector<std::string> chain;     // domains evaluated: include/redirect path
};

// One pass over the cache: the outcome, or NeedDns thrown (answers asked for).
SpfOutcome evaluate_spf(const SpfRequest& request, DnsCache& cache);

// RFC 7208 syntax check of a record alone (no DNS): empty when valid.
std::string spf_syntax_error(const std::string& record);

}  // namespace smtpdiag
