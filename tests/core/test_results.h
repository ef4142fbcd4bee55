// Results built by hand for the rules' tests: what the probe and the
// session would have observed, without a server.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "diagnose/finding.h"
#include "probe/probe.h"
#include "smtp/send_test.h"

namespace smtpdiag {
namespace {

// A port that connected and greeted 220; its session stopped at `stage`
// ("done", or where `error_code` happened).
inline PortResult greeted_port(const std::string& address, uint16_t port, const std::string& stage = "done",
                               const std::string& error_code = "", const std::string& error = "") {
  PortResult p;
  p.port = port;
  p.address = *IpAddress::parse(address);
  p.state = PortState::Open;
  SmtpObservation s;
  s.greeted = true;
  s.banner_code = 220;
  s.banner = "mx.example.test ESMTP";
  s.stage = stage;
  s.error_code = error_code;
  s.error = error;
  p.smtp = std::move(s);
  return p;
}

// The configured session, stopped at `stage` with the catalog's finding
// `code` worded from `words`.
inline SendResult session_stopped(const std::string& address, uint16_t port, const std::string& stage,
                                  const std::string& code, std::map<std::string, std::string> words) {
  SendResult r;
  r.address = address;
  r.session.stage = stage;
  r.session.finding = code;
  words.emplace("address", address);
  words.emplace("port", std::to_string(port));
  r.findings.push_back(make_finding(code, words, {{"port", static_cast<int64_t>(port)}}));
  return r;
}

}  // namespace
}  // namespace smtpdiag
