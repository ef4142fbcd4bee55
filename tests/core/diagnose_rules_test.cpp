// apply_rules() on results built by hand: cases the lab cannot stage on
// demand (the probe and the session seeing the same port differently).
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "diagnose/diagnose.h"
#include "diagnose/finding.h"

namespace smtpdiag {
namespace {

DiagnoseResult healthy_probe_of(const DiagnoseConfig& cfg) {
  DiagnoseResult r;
  r.probe.host = cfg.net.host;
  PortResult p;
  p.port = cfg.port;
  p.address = *IpAddress::parse(cfg.net.host);
  p.state = PortState::Open;
  SmtpObservation s;
  s.greeted = true;
  s.banner_code = 220;
  s.banner = "mx.example.test ESMTP";
  s.stage = "done";
  p.smtp = s;
  r.probe.ports.push_back(std::move(p));
  r.probe.findings = probe_findings(r.probe);
  return r;
}

// The probe found the configured port open, then the session's own connect
// was refused (a restart in between). Port-level findings are the probe's
// business, so the session's was not listed; as the root cause it must
// still come with the session's words, not the catalog's bare entry.
TEST(DiagnoseRules, ARootCauseOnlyTheSessionSawKeepsTheSessionsWords) {
  DiagnoseConfig cfg;
  cfg.net.host = "192.0.2.25";
  cfg.port = 587;
  cfg.session.encryption = Encryption::None;
  DiagnoseResult r = healthy_probe_of(cfg);
  SendResult sr;
  sr.address = "192.0.2.25";
  sr.session.stage = "connect";
  sr.session.finding = "port_refused";
  sr.findings.push_back(make_finding("port_refused", {{"address", "192.0.2.25"}, {"port", "587"}, {"alternatives", ""}},
                                     {{"port", static_cast<int64_t>(587)}}));
  const std::string said = sr.findings[0].detail;
  r.session = std::move(sr);

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
  DiagnoseConfig cfg;
  cfg.net.host = "192.0.2.25";
  cfg.port = 2606;
  cfg.session.encryption = Encryption::None;
  DiagnoseResult r = healthy_probe_of(cfg);
  auto& s = *r.probe.ports[0].smtp;
  s.greeted = false;
  s.banner_code = 0;
  s.stage = "greeting";
  s.error_code = "greeting_timeout";
  s.stopped_ms = 3000;
  r.probe.findings = probe_findings(r.probe);
  ASSERT_EQ(r.probe.findings.size(), 1U);
  SendResult sr;
  sr.address = "192.0.2.25";
  sr.session.stage = "banner";
  sr.session.finding = "greeting_timeout";
  sr.findings.push_back(make_finding("greeting_timeout", {{"address", "192.0.2.25"}, {"port", "2606"}, {"ms", "3001"}},
                                     {{"port", static_cast<int64_t>(2606)}}));
  r.session = std::move(sr);

  apply_rules(cfg, r);
  EXPECT_EQ(r.root_cause, "greeting_timeout");
  int n = 0;
  for (const auto& f : r.findings) n += f.code == "greeting_timeout";
  EXPECT_EQ(n, 1);
  EXPECT_EQ(r.findings[0].detail, r.probe.findings[0].detail);
}

}  // namespace
}  // namespace smtpdiag
