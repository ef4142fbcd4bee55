#include "mailauth/dmarc.h"
#include "util/text.h"

#include <libpsl.h>

#include <cctype>
#include <sstream>

namespace smtpdiag {

namespace {

const psl_ctx_t* psl() {
  // Loaded once per process (thread-safe static); the system list when
  // present (Debian's publicsuffix), else libpsl's built-in copy.
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* c = psl_latest(nullptr);
    return c ? c : psl_builtin();
  }();
  return ctx;
}

std::vector<std::string> uris(const std::string& v) {
  std::vector<std::string> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

DmarcRecord parse_dmarc(const std::string& txt) {
  DmarcRecord r;
  std::stringstream ss(txt);
  std::string tag;
  bool first = true;
  bool have_p = false;
  while (std::getline(ss, tag, ';')) {
    tag = trim(tag);
    if (tag.empty()) continue;
    const auto eq = tag.find('=');
    if (eq == std::string::npos) {
      r.error = "a tag without '=': " + tag.substr(0, 40);
      return r;
    }
    const std::string k = normalize_domain(trim(tag.substr(0, eq)));
    const std::string v = trim(tag.substr(eq + 1));
    if (first) {
      if (k != "v" || v != "DMARC1") {
        r.error = "the record must start with v=DMARC1";
        return r;
      }
      first = false;
      continue;
    }
    if (k == "p") {
      const std::string p = normalize_domain(v);
      if (p != "none" && p != "quarantine" && p != "reject") {
        r.error = "p= must be none, quarantine or reject";
        return r;
      }
      r.policy = p;
      have_p = true;
    } else if (k == "sp") {
      r.subdomain_policy = normalize_domain(v);
    } else if (k == "pct") {
      int n = 0;
      bool ok = !v.empty() && v.size() <= 3;
      for (char c : v) ok = ok && std::isdigit(static_cast<unsigned char>(c));
      if (ok) n = std::stoi(v);
      if (!ok || n > 100) {
        r.error = "pct= must be 0 to 100";
        return r;
      }
      r.pct = n;
    } else if (k == "rua") {
      r.rua = uris(v);
    } else if (k == "ruf") {
      r.ruf = uris(v);
    } else if (k == "adkim" || k == "aspf") {
      const std::string m = normalize_domain(v);
      if (m != "r" && m != "s") {
        r.error = k + "= must be r or s";
        return r;
      }
      (k == "adkim" ? r.adkim : r.aspf) = m[0];
    }
  }
  if (first) {
    r.error = "empty record";
    return r;
  }
  if (!have_p) {
    // RFC 7489 6.6.3: a record without p= is treated as none when rua exists; report it.
    r.error = "the record has no p= tag";
    return r;
  }
  r.valid = true;
  return r;
}

std::string organizational_domain(const std::string& domain) {
  const std::string d = normalize_domain(domain);
  const char* reg = psl_registrable_domain(psl(), d.c_str());
  return reg ? std::string(reg) : d;
}

bool dmarc_aligned(const std::string& a, const std::string& b, char mode) {
  const std::string x = normalize_domain(a), y = normalize_domain(b);
  if (x.empty() || y.empty()) return false;
  if (mode == 's') return x == y;
  return organizational_domain(x) == organizational_domain(y);
}

}  // namespace smtpdiag
