// A finding: what was observed, how bad it is, and what to do. Rules fill
// the code and evidence; the catalog (catalog.cpp) owns every text.
#pragma once

#include <cstdint>
#include <map>
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

// Every finding code the core can raise, in one table.
const std::vector<CatalogEntry>& finding_catalog();

// Most severe first; stable for equal severity.
void sort_findings(std::vector<Finding>& findings);

}  // namespace smtpdiag

namespace smtpdiag {
// "Port 587 is open: switch to it (STARTTLS)." for the ports that work.
std::string alternatives_text(const std::vector<std::pair<int, bool>>& open_ports_implicit);
}  // namespace smtpdiag
