// What one handshake cannot tell about a server's certificate, found with a
// few more connections under the same deadline, all at once:
// - the server sent no intermediate: fetch the one its certificate names
//   (AIA caIssuers, RFC 5280 4.2.2.1) and verify the chain with it, so the
//   finding can say "the chain is fine, only the server's file lacks it";
// - the server negotiated TLS < 1.2: try each older version on its own, so
//   the finding names every version the server speaks.
#pragma once

#include "net/event_loop.h"
#include "tls/certificate_check.h"

namespace smtpdiag {

// Whether a follow-up has anything to find for this report.
bool certificate_followup_wanted(const CertificateReport& report);

// Runs the follow-ups for the session `port` (the one `report` judged) on
// its own loop until done or `deadline`, fills report->intermediate and
// report->tls_versions, and words the findings again.
void run_certificate_followup(const PortResult& port, const CertificateCheckConfig& config,
                              Deadline deadline, CertificateReport* report);

}  // namespace smtpdiag
