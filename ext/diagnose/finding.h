// A finding: what was observed, how bad it is, and what to do. Rules fill
// the code and evidence; the catalog (catalog.cpp) owns every text.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace smtpdiag {

enum class Severity { Critical, Warning, Info, Ok };
const char* severity_name(Severity s);

using EvidenceValue = std::variant<std::string, int64_t, double, bool>;

struct Finding {
  std::string code;
  Severity severity = Severity::Info;
  std::string title;
  std::string detail;
  std::string fix;
  std::vector<std::pair<std::string, EvidenceValue>> evidence;
};

// Builds a finding from the catalog entry of `code`, filling the
// "{name}" placeholders of its texts from `params` (evidence is separate:
// data for programs, params are words for people).
Finding make_finding(const std::string& code, const std::map<std::string, std::string>& params,
                     std::vector<std::pair<std::string, EvidenceValue>> evidence);

struct CatalogEntry {
  const char* code;
  Severity severity;
  const char* title;
  const char* detail;
  const char* fix;
  const char* trigger;  // what makes a rule raise it (for the README catalog)
};

// The words for a connect that got no answer ({silence} in port_filtered):
// "ETIMEDOUT after 10003 ms", or, when the silence was called a drop early
// (net/reach_board.h), on what grounds.
std::string silence_words(double ms, bool gave_up_early, int syns, std::optional<double> address_answered_ms);

// The evidence of a silence called a drop early: gave_up_early, and
// syns_unanswered and address_answered_ms when known.
void add_early_evidence(std::vector<std::pair<std::string, EvidenceValue>>* evidence, int syns,
                        std::optional<double> address_answered_ms);

// "{at}" of port_blocked_upstream when the hop was not located: "by a router
// on the way (203.0.113.2)", naming the router when its ICMP did ("" when not).
std::string blocked_by_router(const std::string& router);

// Every finding code the core can raise, in one table.
const std::vector<CatalogEntry>& finding_catalog();

// Most severe first; stable for equal severity.
void sort_findings(std::vector<Finding>& findings);

}  // namespace smtpdiag

namespace smtpdiag {
// "Port 587 is open: switch to it (STARTTLS)." for the ports that work.
std::string alternatives_text(const std::vector<std::pair<int, bool>>& open_ports_implicit);
}  // namespace smtpdiag
