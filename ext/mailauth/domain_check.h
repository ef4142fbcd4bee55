// smtpdiag_check_domain(): everything DNS says about a sending domain,
// evaluated on this host with the real sending IP, concurrently on one
// loop (shared, deduplicated DNS cache) under one deadline: MX (null MX,
// RFC 7505), SPF for the sending IP and every address of the relay,
// DMARC and alignment, DKIM selectors, MTA-STS (RFC 8461) and TLS-RPT
// (RFC 8460), PTR with forward confirmation, DNS blocklists.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diagnose/finding.h"
#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"
#include "net/event_loop.h"
#include "probe/probe.h"

namespace smtpdiag {

struct DomainCheckConfig {
  std::string domain;                 // the From domain
  ProbeConfig net;                    // timeouts, DNS servers, ehlo_name
  std::optional<IpAddress> sending_ip;
  std::string relay_host;             // SPF for its addresses; learn our IP from its EHLO
  uint16_t relay_port = 587;
  bool relay_implicit_tls = false;    // the relay port wants TLS first (465)
  std::string mail_from_domain;       // envelope domain for SPF alignment (default: domain)
  std::string dkim_domain;            // d= the provider signs with (default: domain)
  std::vector<std::string> dkim_selectors;  // tried before the common ones
  std::vector<std::string> dnsbl_zones;
  bool mta_sts = true;
};

struct MxHost {
  int preference = 0;
  std::string host;
  std::vector<IpAddress> addresses;
};

struct SpfForIp {
  IpAddress ip;
  std::string source;  // sending_ip | relay
  SpfOutcome outcome;
};

struct DkimSelectorResult {
  std::string selector;
  bool found = false;
  DkimKey key;
  std::string status;  // dns status of the lookup
};

struct BlocklistResult {
  std::string zone;
  bool listed = false;
  bool refused = false;           // 127.255.255.x: the list refused this resolver
  std::vector<std::string> codes; // 127.0.0.x answers
  std::string status;
};

struct DomainReport {
  std::string domain;
  std::string org_domain;
  // MX
  std::string mx_status;
  std::vector<MxHost> mx;
  bool null_mx = false;
  // SPF
  std::string spf_record;
  std::string spf_status;         // dns status of the TXT lookup
  std::string spf_syntax_error;
  std::vector<SpfForIp> spf;
  // DMARC
  std::string dmarc_record;
  std::string dmarc_found_at;
  std::string dmarc_status;           // DNS status of the _dmarc lookup(s)
  std::string dmarc_effective_policy; // p=, or sp= for a subdomain
  DmarcRecord dmarc;
  bool spf_aligned = false;
  bool dkim_aligned = false;
  // DKIM
  std::vector<DkimSelectorResult> dkim;
  bool dkim_answered = false;        // some selector lookup got a DNS answer
  // MTA-STS / TLS-RPT
  std::string mta_sts_record;
  std::string mta_sts_id;
  std::string mta_sts_error;
  std::string mta_sts_mode;
  std::vector<std::string> mta_sts_mx;
  long mta_sts_max_age = -1;
  bool mta_sts_fetched = false;
  std::string tls_rpt_record;
  // Sending IP, PTR
  std::optional<IpAddress> sending_ip;
  std::string sending_ip_source;  // option | relay_ehlo | unknown
  std::string sending_ip_note;
  std::vector<std::string> ptr_names;
  std::string ptr_status;
  bool fcrdns = false;
  std::vector<BlocklistResult> blocklists;
  std::vector<Finding> findings;
  size_t dns_queries = 0;
  bool timed_out = false;
  double elapsed_ms = 0;
};

// The checks as a component of a larger call: started on the caller's
// loop, finished when done() or when the caller's deadline came.
class DomainCheck {
 public:
  DomainCheck(EventLoop& loop, const DomainCheckConfig& config, Deadline deadline);
  ~DomainCheck();
  void start();
  bool done() const;
  DomainReport finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// On its own loop (smtpdiag_check_domain()).
DomainReport run_domain_check(const DomainCheckConfig& config);
std::vector<Finding> domain_findings(const DomainReport& report, const DomainCheckConfig& config);

// The zones used when the caller names none.
const std::vector<std::string>& default_dnsbl_zones();

}  // namespace smtpdiag
