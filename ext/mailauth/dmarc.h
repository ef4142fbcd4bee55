// DMARC (RFC 7489): the record's tags, where it was found (the From
// domain, else its organizational domain by the Public Suffix List, via
// libpsl and Debian's publicsuffix data), and identifier alignment.
#pragma once

#include <string>
#include <vector>

namespace smtpdiag {

struct DmarcRecord {
  bool valid = false;
  std::string error;
  std::string policy;            // none | quarantine | reject
  std::string subdomain_policy;  // sp=, empty when absent
  int pct = 100;
  std::vector<std::string> rua;
  std::vector<std::string> ruf;
  char adkim = 'r';
  char aspf = 'r';
};

DmarcRecord parse_dmarc(const std::string& txt);

// The registrable ("organizational") domain of `domain`; the domain itself
// when the list does not know it.
std::string organizational_domain(const std::string& domain);

// RFC 7489 3.1: strict = the same name; relaxed = the same organizational domain.
bool dmarc_aligned(const std::string& a, const std::string& b, char mode);

}  // namespace smtpdiag
