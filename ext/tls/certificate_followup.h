// What one handshake cannot tell about a server's certificate, found with a
// few more connections under the same deadline, all at once:
// - the server sent no intermediate: fetch the one its certificate names
//   (AIA caIssuers, RFC 5280 4.2.2.1) and verify the chain with it, so the
//   finding can say "the chain is fine, only the server's file lacks it";
// - the server negotiated TLS < 1.2: try each older version on its own, so
//   the finding names every version the server speaks.
#pragma once

#include <memory>

#include "net/event_loop.h"
#include "tls/certificate_check.h"

namespace smtpdiag {

// Whether a follow-up has anything to find for this report.
bool certificate_followup_wanted(const CertificateReport& report);

// The follow-ups for the session `port` (the one `report` judged) as a
// component of a loop (diagnose, diagnose_many): start() begins what the
// report wants (nothing: done at once), finish() stops what still runs,
// fills report->intermediate and report->tls_versions and words the
// findings again. `report` must outlive it.
class CertificateFollowup {
 public:
  CertificateFollowup(EventLoop& loop, const PortResult& port, CertificateCheckConfig config,
                      Deadline deadline, CertificateReport* report);
  ~CertificateFollowup();
  CertificateFollowup(const CertificateFollowup&) = delete;
  CertificateFollowup& operator=(const CertificateFollowup&) = delete;
  void start();
  bool done() const;
  void finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The same on a loop of its own, until done or `deadline`
// (smtpdiag_check_certificate()).
void run_certificate_followup(const PortResult& port, const CertificateCheckConfig& config,
                              Deadline deadline, CertificateReport* report);

}  // namespace smtpdiag
