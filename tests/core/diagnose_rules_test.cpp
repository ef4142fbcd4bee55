// apply_rules() on results built by hand: cases the lab cannot stage on
// demand (the probe and the session seeing the same port differently).
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "diagnose/diagnose.h"
#include "test_results.h"

namespace smtpdiag {
namespace {

constexpr const char* kServer = "192.0.2.25";

DiagnoseConfig plain_config(uint16_t port) {
  DiagnoseConfig cfg;
  cfg.net.host = kServer;
  cfg.port = port;
  cfg.session.encryption = Encryption::None;
  return cfg;
}

// The probe found the configured port open, then the session's own connect
// was refused (a restart in between). Port-level findings are the probe's
// business, so the session's was not listed; as the root cause it must
// still come with the session's words, not the catalog's bare entry.
TEST(DiagnoseRules, ARootCauseOnlyTheSessionSawKeepsTheSessionsWords) {
  const DiagnoseConfig cfg = plain_config(587);
  DiagnoseResult r;
  r.probe.host = kServer;
  r.probe.ports.push_back(greeted_port(kServer, 587));
  r.probe.findings = probe_findings(r.probe);
  r.session = session_stopped(kServer, 587, "connect", "port_refused", {{"alternatives", ""}});
  const std::string said = r.session->findings[0].detail;

  apply_rules(cfg, r);
  EXPECT_EQ(r.root_cause, "port_refused");
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].code, "port_refused");
  EXPECT_EQ(r.findings[0].severity, Severity::Critical);
  EXPECT_EQ(r.findings[0].detail, said);
  EXPECT_EQ(r.findings[0].detail.find('{'), std::string::npos) << r.findings[0].detail;
}

// The probe's finding for the configured port covers every address; the
// session's finding of the same code (one address) is not listed again.
TEST(DiagnoseRules, TheSessionDoesNotRepeatTheProbesFindingForThePort) {
  const DiagnoseConfig cfg = plain_config(2606);
  DiagnoseResult r;
  r.probe.host = kServer;
  PortResult silent = greeted_port(kServer, 2606, "greeting", "greeting_timeout");
  silent.smtp->greeted = false;
  silent.smtp->banner_code = 0;
  silent.smtp->stopped_ms = 3000;
  r.probe.ports.push_back(std::move(silent));
  r.probe.findings = probe_findings(r.probe);
  ASSERT_EQ(r.probe.findings.size(), 1U);
  r.session = session_stopped(kServer, 2606, "banner", "greeting_timeout", {{"ms", "3001"}});

  apply_rules(cfg, r);
  EXPECT_EQ(r.root_cause, "greeting_timeout");
  int n = 0;
  for (const auto& f : r.findings) n += f.code == "greeting_timeout";
  EXPECT_EQ(n, 1);
  EXPECT_EQ(r.findings[0].detail, r.probe.findings[0].detail);
}

}  // namespace
}  // namespace smtpdiag
