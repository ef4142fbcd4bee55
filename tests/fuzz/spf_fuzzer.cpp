// Fuzzes the SPF evaluator (ext/mailauth/spf, RFC 7208): record parsing,
// every mechanism and modifier, macro expansion (including exp= with
// %{c} %{r} %{t}), the lookup limits, over a DNS cache answered from the
// fuzzer's own lines. Also spf_syntax_error() on each line.
//
// Input, one item per '\n':
//   line 0  flags: char 0 '6' -> the client address is IPv6;
//           char 1 picks the DNS status for names with no TXT line
//   line 1  the SPF record at the domain (example.test)
//   line 2  the sender (MAIL FROM), line 3 the HELO name
//   line 4+ TXT records for any other name the evaluator asks for (in turn),
//           also used as MX/PTR targets
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "mailauth/spf.h"

using smtpdiag::CachedAnswer;
using smtpdiag::DnsStatus;
using smtpdiag::RRType;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;  // longer records only repeat the same paths
  const std::vector<std::string> lines =
      smtpdiag_fuzz::split_lines(std::string_view(reinterpret_cast<const char*>(data), size));
  auto line = [&](size_t i) { return i < lines.size() ? lines[i] : std::string(); };
  const std::string flags = line(0);
  const bool v6 = !flags.empty() && flags[0] == '6';
  const char status_pick = flags.size() > 1 ? flags[1] : 0;

  smtpdiag::SpfRequest req;
  req.ip = *smtpdiag::IpAddress::parse(v6 ? "2001:db8::25" : "192.0.2.25");
  req.sender = line(2);
  req.helo = line(3);
  req.domain = "example.test";
  req.receiver = "mx.receiver.test";
  req.now = 1700000000;

  smtpdiag::DnsCache cache;
  cache.put("example.test", RRType::TXT, CachedAnswer{DnsStatus::Ok, {{}, {}, {line(1)}, {}}});
  size_t next_txt = 4;
  // The runner's loop: evaluate, answer what was asked, again (bounded).
  for (int round = 0; round < 64; ++round) {
    try {
      const smtpdiag::SpfOutcome out = smtpdiag::evaluate_spf(req, cache);
      if (out.lookups > 11 || out.void_lookups > 3) std::abort();
      (void)smtpdiag::spf_result_name(out.result);
      break;
    } catch (const smtpdiag::NeedDns&) {
    }
    const auto asked = cache.take_requests();
    if (asked.empty()) std::abort();  // NeedDns must always ask for something
    for (const auto& [name, type] : asked) {
      CachedAnswer a;
      a.status = DnsStatus::Ok;
      switch (status_pick % 5) {
        case 1: a.status = DnsStatus::NxDomain; break;
        case 2: a.status = (name.size() & 1) ? DnsStatus::NoData : DnsStatus::Ok; break;
        case 3: a.status = DnsStatus::ServFail; break;
        default: break;
      }
      if (a.status == DnsStatus::Ok) {
        const std::string pick = line(next_txt < lines.size() ? next_txt : 4);
        switch (type) {
          case RRType::TXT:
            if (next_txt < lines.size()) a.records.txt.push_back(lines[next_txt++]);
            else a.status = DnsStatus::NxDomain;
            break;
          case RRType::A:
            a.records.addresses.push_back(*smtpdiag::IpAddress::parse("192.0.2.25"));
            a.records.addresses.push_back(*smtpdiag::IpAddress::parse("198.51.100.1"));
            break;
          case RRType::AAAA:
            a.records.addresses.push_back(*smtpdiag::IpAddress::parse("2001:db8::25"));
            break;
          case RRType::MX:
            a.records.mx.push_back({10, pick.empty() ? "mx.example.test" : pick});
            a.records.mx.push_back({20, name});
            break;
          case RRType::PTR:
            a.records.names.push_back(pick.empty() ? "host.example.test" : pick);
            a.records.names.push_back(name);
            break;
        }
        if (a.records.empty()) a.status = DnsStatus::NoData;
      }
      cache.put(name, type, std::move(a));
    }
  }
  for (const std::string& l : lines) (void)smtpdiag::spf_syntax_error(l);
  return 0;
}
