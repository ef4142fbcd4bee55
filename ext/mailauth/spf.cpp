#include "mailauth/spf.h"
#include "util/text.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace smtpdiag {

const char* spf_result_name(SpfResult r) {
  switch (r) {
    case SpfResult::None: return "none";
    case SpfResult::Neutral: return "neutral";
    case SpfResult::Pass: return "pass";
    case SpfResult::Fail: return "fail";
    case SpfResult::SoftFail: return "softfail";
    case SpfResult::TempError: return "temperror";
    case SpfResult::PermError: return "permerror";
  }
  return "none";
}

namespace {

constexpr int kMaxLookups = 10;
constexpr int kMaxVoid = 2;
constexpr int kMaxMxOrPtr = 10;

bool ieq_prefix(const std::string& s, const char* p) {
  const size_t n = std::strlen(p);
  if (s.size() < n) return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
  return true;
}

// Ends evaluation with an error result (never escapes evaluate_spf()).
struct SpfAbort {
  SpfResult result;
  std::string why;
};

[[noreturn]] void perm(const std::string& why) { throw SpfAbort{SpfResult::PermError, why}; }
[[noreturn]] void temp(const std::string& why) { throw SpfAbort{SpfResult::TempError, why}; }

// RFC 7208 4.3: a domain we may query at all.
bool valid_domain(const std::string& d) {
  std::string n = d;
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n.empty() || n.size() > 253) return false;
  size_t label = 0, labels = 1;
  for (char c : n) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      ++labels;
      continue;
    }
    if (++label > 63) return false;
  }
  return label > 0 && labels >= 2;
}

// RFC 7208 7.3: toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool valid_toplabel(const std::string& t) {
  if (t.empty()) return false;
  bool alpha = false;
  for (char c : t) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (std::isalpha(static_cast<unsigned char>(c))) alpha = true;
  }
  if (t.find('-') != std::string::npos) {
    return t.front() != '-' && t.back() != '-';
  }
  return alpha;
}

struct Cidr {
  int v4 = 32;
  int v6 = 128;
};

bool parse_cidr_len(const std::string& s, int max, int* out) {
  if (s.empty() || s.size() > 3) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

bool in_prefix(const IpAddress& ip, const IpAddress& net, int bits) {
  if (ip.family != net.family) return false;
  const int total = ip.family == Family::V4 ? 32 : 128;
  if (bits > total) return false;
  int full = bits / 8;
  if (std::memcmp(ip.bytes, net.bytes, static_cast<size_t>(full)) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (ip.bytes[full] & mask) == (net.bytes[full] & mask);
}

std::string ip_dotted(const IpAddress& ip) {
  if (ip.family == Family::V4) return ip.to_string();
  // Upper case, as the openspf conformance suite expects; DNS ignores case.
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i) out += '.';
    out += hex[ip.bytes[i] >> 4];
    out += '.';
    out += hex[ip.bytes[i] & 15];
  }
  return out;
}

std::string url_escape(const std::string& s) {
  // RFC 3986 unreserved stay; everything else %XX.
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// RFC 7208 5: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is IPv4.
SpfRequest unmapped(const SpfRequest& r) {
  SpfRequest out = r;
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (r.ip.family == Family::V6 && std::memcmp(r.ip.bytes, prefix, 12) == 0) {
    IpAddress v4;
    v4.family = Family::V4;
    std::memcpy(v4.bytes, r.ip.bytes + 12, 4);
    out.ip = v4;
  }
  return out;
}

class Evaluator {
 public:
  Evaluator(const SpfRequest& req, DnsCache& cache) : req_(unmapped(req)), cache_(cache) {
    sender_ = req.sender;
    if (sender_.empty()) sender_ = "postmaster@" + req.helo;
    const auto at = sender_.rfind('@');
    if (at == std::string::npos) {
      local_ = "postmaster";
      sender_domain_ = sender_;
      sender_ = "postmaster@" + sender_;
    } else {
      local_ = sender_.substr(0, at);
      sender_domain_ = sender_.substr(at + 1);
      if (local_.empty()) {
        local_ = "postmaster";
        sender_ = "postmaster@" + sender_domain_;
      }
    }
  }

  SpfOutcome run() {
    SpfOutcome out;
    std::string domain = req_.domain.empty() ? sender_domain_ : req_.domain;
    try {
      out.result = check_host(domain, 0, &out);
    } catch (const SpfAbort& a) {
      out.result = a.result;
      out.error = a.why;
    }
    out.lookups = lookups_;
    out.void_lookups = void_;
    out.chain = chain_;
    return out;
  }

 private:
  const CachedAnswer& lookup(const std::string& name, RRType type) {
    const CachedAnswer* a = cache_.get(name, type);
    if (!a) throw NeedDns{};
    return *a;
  }

  // Asks for all of (name, type) at once; throws NeedDns if any is missing.
  void prefetch(const std::vector<std::pair<std::string, RRType>>& list) {
    bool missing = false;
    for (const auto& [n, t] : list) missing = !cache_.get(n, t) || missing;
    if (missing) throw NeedDns{};
  }

  void count_lookup() {
    if (++lookups_ > kMaxLookups) perm("more than 10 DNS-querying terms (RFC 7208 4.6.4)");
  }
  void count_void() {
    if (++void_ > kMaxVoid) perm("more than 2 void DNS lookups (RFC 7208 4.6.4)");
  }

  // Address lookup for a mechanism: error -> temperror, nothing -> void.
  const std::vector<IpAddress>* addresses(const std::string& name, bool count_void_lookup) {
    if (!valid_domain(name)) {
      if (count_void_lookup) count_void();
      return nullptr;
    }
    const CachedAnswer& a = lookup(name, req_.ip.family == Family::V4 ? RRType::A : RRType::AAAA);
    if (a.status == DnsStatus::NxDomain || a.status == DnsStatus::NoData) {
      if (count_void_lookup) count_void();
      return nullptr;
    }
    if (a.status != DnsStatus::Ok) temp("DNS " + std::string(dns_status_name(a.status)) + " for " + name);
    return &a.records.addresses;
  }

  std::string validated_ptr_name(const std::string& target) {
    const CachedAnswer& p = lookup(reverse_name(req_.ip), RRType::PTR);
    if (p.status != DnsStatus::Ok) return "unknown";
    std::vector<std::string> names(p.records.names.begin(),
                                   p.records.names.begin() + std::min<size_t>(p.records.names.size(), kMaxMxOrPtr));
    std::vector<std::pair<std::string, RRType>> want;
    const RRType t = req_.ip.family == Family::V4 ? RRType::A : RRType::AAAA;
    for (const auto& n : names)
      if (valid_domain(n)) want.emplace_back(n, t);
    prefetch(want);
    std::string any;
    for (const auto& n : names) {
      if (!valid_domain(n)) continue;
      const CachedAnswer& a = lookup(n, t);
      if (a.status != DnsStatus::Ok) continue;
      if (std::find(a.records.addresses.begin(), a.records.addresses.end(), req_.ip) == a.records.addresses.end()) continue;
      const std::string ln = ascii_lower(n), lt = ascii_lower(target);
      if (ln == lt || (ln.size() > lt.size() && ln.compare(ln.size() - lt.size() - 1, std::string::npos, "." + lt) == 0))
        return n;
      if (any.empty()) any = n;
    }
    return any.empty() ? "unknown" : any;
  }

  // RFC 7208 7: macro expansion. `exp` allows c, r, t.
  std::string expand(const std::string& s, const std::string& domain, bool exp) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c != '%') {
        const auto uc = static_cast<unsigned char>(c);
        if (uc < 0x21 || uc > 0x7e) {
          if (!(exp && c == ' ')) perm("invalid character in a macro string");
        }
        out += c;
        continue;
      }
      if (i + 1 >= s.size()) perm("'%' at the end of a macro string");
      const char n = s[++i];
      if (n == '%') { out += '%'; continue; }
      if (n == '_') { out += ' '; continue; }
      if (n == '-') { out += "%20"; continue; }
      if (n != '{') perm("invalid macro '%" + std::string(1, n) + "'");
      const auto close = s.find('}', i);
      if (close == std::string::npos) perm("unterminated macro");
      const std::string body = s.substr(i + 1, close - i - 1);
      i = close;
      if (body.empty()) perm("empty macro");
      const char letter = body[0];
      const char ll = static_cast<char>(std::tolower(static_cast<unsigned char>(letter)));
      std::string value;
      switch (ll) {
        case 's': value = sender_; break;
        case 'l': value = local_; break;
        case 'o': value = sender_domain_; break;
        case 'd': value = domain; break;
        case 'i': value = ip_dotted(req_.ip); break;
        case 'p': value = validated_ptr_name(domain); break;
        case 'v': value = req_.ip.family == Family::V4 ? "in-addr" : "ip6"; break;
        case 'h': value = req_.helo; break;
        case 'c':
          if (!exp) perm("macro %{c} outside exp");
          value = req_.ip.to_string();
          break;
        case 'r':
          if (!exp) perm("macro %{r} outside exp");
          value = req_.receiver;
          break;
        case 't':
          if (!exp) perm("macro %{t} outside exp");
          value = std::to_string(static_cast<long long>(req_.now));
          break;
        default:
          perm("unknown macro letter");
      }
      // transformers: *DIGIT ["r"], then delimiters
      size_t k = 1;
      std::string digits;
      while (k < body.size() && std::isdigit(static_cast<unsigned char>(body[k]))) digits += body[k++];
      bool reverse = false;
      if (k < body.size() && (body[k] == 'r' || body[k] == 'R')) {
        reverse = true;
        ++k;
      }
      std::string delims;
      for (; k < body.size(); ++k) {
        if (std::strchr(".-+,/_=", body[k]) == nullptr) perm("invalid macro delimiter");
        delims += body[k];
      }
      if (delims.empty()) delims = ".";
      std::vector<std::string> parts;
      std::string cur;
      for (char v : value) {
        if (delims.find(v) != std::string::npos) {
          parts.push_back(cur);
          cur.clear();
        } else {
          cur += v;
        }
      }
      parts.push_back(cur);
      if (reverse) std::reverse(parts.begin(), parts.end());
      if (!digits.empty()) {
        if (digits.size() > 3) perm("macro digit transformer too large");
        const int keep = std::stoi(digits);
        if (keep == 0) perm("macro digit transformer of 0");
        if (static_cast<size_t>(keep) < parts.size()) parts.erase(parts.begin(), parts.end() - keep);
      }
      std::string joined;
      for (size_t p = 0; p < parts.size(); ++p) {
        if (p) joined += '.';
        joined += parts[p];
      }
      if (std::isupper(static_cast<unsigned char>(letter))) joined = url_escape(joined);
      out += joined;
    }
    return out;
  }

  // A domain-spec: syntax check, expansion, truncation to 253 (RFC 7208 7.3).
  std::string domain_spec(const std::string& spec, const std::string& domain) {
    if (spec.empty()) perm("empty domain-spec");
    // Must end in a macro or a valid top label.
    std::string s = spec;
    if (s.back() == '.') s.pop_back();
    if (s.empty() || s.back() != '}') {
      const auto dot = s.rfind('.');
      if (dot == std::string::npos || !valid_toplabel(s.substr(dot + 1)))
        perm("domain-spec '" + spec + "' does not end in a valid top-level label");
    }
    std::string e = expand(spec, domain, false);
    if (!e.empty() && e.back() == '.') e.pop_back();
    while (e.size() > 253) {
      const auto dot = e.find('.');
      if (dot == std::string::npos) break;
      e = e.substr(dot + 1);
    }
    return e;
  }

  struct Term {
    char qualifier = '+';
    std::string name;   // lower-case mechanism or modifier name
    std::string value;  // after ':' or '=' (may be empty)
    bool has_value = false;
    bool modifier = false;
    Cidr cidr;
    std::string raw;
  };

  // Parses one term; permerror on bad syntax.
  Term parse_term(const std::string& raw) {
    Term t;
    t.raw = raw;
    size_t i = 0;
    // modifier: name "=" macro-string, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    const auto eq = raw.find('=');
    const auto colon = raw.find(':');
    const auto slash = raw.find('/');
    if (eq != std::string::npos && (colon == std::string::npos || eq < colon) &&
        (slash == std::string::npos || eq < slash)) {
      const std::string name = raw.substr(0, eq);
      bool ok = !name.empty() && std::isalpha(static_cast<unsigned char>(name[0]));
      for (char c : name)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
      if (!ok) perm("invalid term '" + raw + "'");
      t.modifier = true;
      t.name = ascii_lower(name);
      t.value = raw.substr(eq + 1);
      t.has_value = true;
      return t;
    }
    if (raw[0] == '+' || raw[0] == '-' || raw[0] == '~' || raw[0] == '?') {
      t.qualifier = raw[0];
      i = 1;
    }
    size_t end = i;
    while (end < raw.size() && raw[end] != ':' && raw[end] != '/') ++end;
    t.name = ascii_lower(raw.substr(i, end - i));
    std::string rest = raw.substr(end);
    static const char* const known[] = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"};
    if (std::none_of(std::begin(known), std::end(known), [&](const char* k) { return t.name == k; }))
      perm("unknown mechanism '" + t.name + "'");
    if (!rest.empty() && rest[0] == ':') {
      t.has_value = true;
      rest = rest.substr(1);
      // A domain-spec may itself hold ':' and '/' (RFC 7208 7.1): only a
      // trailing "/digits" and/or "//digits" is a prefix length.
      std::string suffix;
      auto take_tail = [&](const std::string& sep) {
        const auto pos = rest.rfind(sep);
        if (pos == std::string::npos || pos + sep.size() >= rest.size()) return;
        for (size_t k = pos + sep.size(); k < rest.size(); ++k)
          if (!std::isdigit(static_cast<unsigned char>(rest[k]))) return;
        if (sep == "/" && pos > 0 && rest[pos - 1] == '/') return;  // part of "//"
        suffix = rest.substr(pos) + suffix;
        rest = rest.substr(0, pos);
      };
      if (t.name == "ip4" || t.name == "ip6") {
        const auto sl = rest.find('/');
        t.value = rest.substr(0, sl);
        rest = sl == std::string::npos ? "" : rest.substr(sl);
      } else {
        take_tail("//");
        take_tail("/");
        t.value = rest;
        rest = suffix;
      }
      if (t.value.empty()) perm("empty value in '" + raw + "'");
    }
    // cidr: "/n" (ip4 or a/mx v4), "//n" (v6), "/n//m"
    if (!rest.empty()) {
      if (t.name != "a" && t.name != "mx" && t.name != "ip4" && t.name != "ip6") perm("unexpected '/' in '" + raw + "'");
      const auto dbl = rest.find("//");
      std::string v4part = dbl == std::string::npos ? rest : rest.substr(0, dbl);
      std::string v6part = dbl == std::string::npos ? "" : rest.substr(dbl + 2);
      if (t.name == "ip6") {
        if (dbl != std::string::npos || v4part.size() < 2 || !parse_cidr_len(v4part.substr(1), 128, &t.cidr.v6))
          perm("invalid ip6 prefix length in '" + raw + "'");
      } else {
        if (!v4part.empty()) {
          if (v4part[0] != '/' || !parse_cidr_len(v4part.substr(1), 32, &t.cidr.v4))
            perm("invalid IPv4 prefix length in '" + raw + "'");
        }
        if (dbl != std::string::npos) {
          if (t.name == "ip4" || !parse_cidr_len(v6part, 128, &t.cidr.v6))
            perm("invalid IPv6 prefix length in '" + raw + "'");
        }
      }
    }
    const bool needs_value = t.name == "include" || t.name == "exists" || t.name == "ip4" || t.name == "ip6";
    if (needs_value && !t.has_value) perm("'" + t.name + "' needs a value");
    if (t.name == "all" && t.has_value) perm("'all' takes no value");
    return t;
  }

  // Splits a record into terms; permerror on a bad version or separator.
  std::vector<Term> parse_record(const std::string& record) {
    std::vector<Term> terms;
    // "v=spf1" then 1*SP between terms; trailing spaces allowed.
    size_t i = 6;
    while (i < record.size()) {
      if (record[i] != ' ') perm("terms must be separated by spaces");
      while (i < record.size() && record[i] == ' ') ++i;
      if (i >= record.size()) break;
      size_t j = i;
      while (j < record.size() && record[j] != ' ') ++j;
      terms.push_back(parse_term(record.substr(i, j - i)));
      i = j;
    }
    for (char c : record) {
      const auto uc = static_cast<unsigned char>(c);
      if (uc < 0x20 || uc > 0x7e) perm("non-ASCII or control character in the record");
    }
    return terms;
  }

  SpfResult qualifier_result(char q) {
    switch (q) {
      case '-': return SpfResult::Fail;
      case '~': return SpfResult::SoftFail;
      case '?': return SpfResult::Neutral;
      default: return SpfResult::Pass;
    }
  }

  bool match_addresses(const std::vector<IpAddress>& addrs, const Cidr& cidr) {
    const int bits = req_.ip.family == Family::V4 ? cidr.v4 : cidr.v6;
    for (const auto& a : addrs)
      if (in_prefix(req_.ip, a, bits)) return true;
    return false;
  }

  // `out` is non-null where this domain's exp= may explain a fail: the
  // top level and what it redirects to, never inside an include.
  SpfResult check_host(const std::string& domain, int depth, SpfOutcome* out) {
    if (depth > 20) perm("include/redirect nesting too deep");
    if (!valid_domain(domain)) return SpfResult::None;
    chain_.push_back(domain);
    const CachedAnswer& txt = lookup(domain, RRType::TXT);
    if (txt.status == DnsStatus::NxDomain) return SpfResult::None;
    if (txt.status != DnsStatus::Ok && txt.status != DnsStatus::NoData)
      temp("DNS " + std::string(dns_status_name(txt.status)) + " for the SPF record of " + domain);
    std::vector<std::string> records;
    for (const auto& t : txt.records.txt) {
      if (ieq_prefix(t, "v=spf1") && (t.size() == 6 || t[6] == ' ')) records.push_back(t);
    }
    if (records.empty()) return SpfResult::None;
    if (records.size() > 1) perm("more than one SPF record at " + domain);
    const std::string& record = records[0];
    if (depth == 0 && out) out->record = record;
    const std::vector<Term> terms = parse_record(record);

    const Term* redirect = nullptr;
    const Term* exp = nullptr;
    for (const Term& t : terms) {
      if (!t.modifier) continue;
      if (t.name == "redirect") {
        if (redirect) perm("more than one redirect");
        redirect = &t;
      } else if (t.name == "exp") {
        if (exp) perm("more than one exp");
        exp = &t;
      }
      // Syntax of every modifier's macro-string (unknown ones included);
      // redirect and exp take a domain-spec, checked like a mechanism's.
      validate_macro_syntax(t.value);
      if (t.name == "redirect" || t.name == "exp") check_domain_spec_syntax(t.value);
    }
    // Syntax of every mechanism's domain-spec before evaluating anything.
    for (const Term& t : terms) {
      if (t.modifier || !t.has_value) continue;
      if (t.name == "ip4") {
        auto a = IpAddress::parse(t.value);
        if (!a || a->family != Family::V4 || t.value.find(':') != std::string::npos) perm("invalid ip4 '" + t.value + "'");
      } else if (t.name == "ip6") {
        auto a = IpAddress::parse(t.value);
        if (!a || a->family != Family::V6) perm("invalid ip6 '" + t.value + "'");
      } else {
        validate_macro_syntax(t.value);
        check_domain_spec_syntax(t.value);
      }
    }

    for (const Term& t : terms) {
      if (t.modifier) continue;
      if (evaluate(t, domain, depth)) {
        if (depth == 0 && out) out->mechanism = t.raw;
        const SpfResult r = qualifier_result(t.qualifier);
        if (r == SpfResult::Fail && exp && out) out->explanation = explanation(exp->value, domain);
        return r;
      }
    }
    if (redirect) {
      count_lookup();
      const std::string target = domain_spec(redirect->value, domain);
      if (!valid_domain(target)) perm("redirect to an invalid domain");
      // The redirected domain's own exp applies, not ours (RFC 7208 6.2).
      const SpfResult r = check_host(target, depth + 1, out);
      if (r == SpfResult::None) perm("redirect to " + target + " which has no SPF record");
      return r;
    }
    return SpfResult::Neutral;
  }

  void check_domain_spec_syntax(const std::string& spec) {
    std::string s = spec;
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (s.empty()) perm("empty domain-spec");
    if (s.back() != '}') {
      const auto dot = s.rfind('.');
      if (dot == std::string::npos || !valid_toplabel(s.substr(dot + 1)))
        perm("domain-spec '" + spec + "' does not end in a valid top-level label");
    }
  }

  void validate_macro_syntax(const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '%') continue;
      if (i + 1 >= s.size()) perm("'%' at the end of a macro string");
      const char n = s[i + 1];
      if (n == '%' || n == '_' || n == '-') {
        ++i;
        continue;
      }
      if (n != '{') perm("invalid macro in '" + s + "'");
      const auto close = s.find('}', i);
      if (close == std::string::npos) perm("unterminated macro in '" + s + "'");
      const std::string body = s.substr(i + 2, close - i - 2);
      // c, r and t exist only for the explanation text (RFC 7208 7.3).
      if (body.empty() || std::strchr("slodiphvSLODIPHV", body[0]) == nullptr)
        perm("unknown or misplaced macro letter in '" + s + "'");
      size_t k = 1;
      while (k < body.size() && std::isdigit(static_cast<unsigned char>(body[k]))) ++k;
      if (k < body.size() && (body[k] == 'r' || body[k] == 'R')) ++k;
      for (; k < body.size(); ++k)
        if (std::strchr(".-+,/_=", body[k]) == nullptr) perm("invalid macro delimiter in '" + s + "'");
      i = close;
    }
  }

  std::string explanation(const std::string& spec, const std::string& domain) {
    // Errors here never change the result (RFC 7208 6.2): no explanation.
    try {
      const std::string target = domain_spec(spec, domain);
      if (!valid_domain(target)) return {};
      const CachedAnswer& a = lookup(target, RRType::TXT);
      if (a.status != DnsStatus::Ok || a.records.txt.size() != 1) return {};
      return expand(a.records.txt[0], domain, true);
    } catch (const SpfAbort&) {
      return {};
    }
  }

  bool evaluate(const Term& t, const std::string& domain, int depth) {
    const std::string& n = t.name;
    if (n == "all") return true;
    if (n == "ip4" || n == "ip6") {
      const auto net = IpAddress::parse(t.value);
      if (!net) perm("invalid address in '" + t.raw + "'");
      return in_prefix(req_.ip, *net, n == "ip4" ? t.cidr.v4 : t.cidr.v6);
    }
    count_lookup();
    const std::string target = t.has_value ? domain_spec(t.value, domain) : domain;
    if (n == "a") {
      const auto* addrs = addresses(target, true);
      return addrs && match_addresses(*addrs, t.cidr);
    }
    if (n == "mx") {
      if (!valid_domain(target)) {
        count_void();
        return false;
      }
      const CachedAnswer& mx = lookup(target, RRType::MX);
      if (mx.status == DnsStatus::NxDomain || mx.status == DnsStatus::NoData) {
        count_void();
        return false;
      }
      if (mx.status != DnsStatus::Ok) temp("DNS " + std::string(dns_status_name(mx.status)) + " for MX of " + target);
      if (mx.records.mx.size() > kMaxMxOrPtr) perm("more than 10 MX records for " + target);
      std::vector<std::pair<std::string, RRType>> want;
      const RRType at = req_.ip.family == Family::V4 ? RRType::A : RRType::AAAA;
      for (const auto& m : mx.records.mx)
        if (valid_domain(m.host)) want.emplace_back(m.host, at);
      prefetch(want);
      for (const auto& m : mx.records.mx) {
        const auto* addrs = addresses(m.host, false);
        if (addrs && match_addresses(*addrs, t.cidr)) return true;
      }
      return false;
    }
    if (n == "ptr") {
      const CachedAnswer& p = lookup(reverse_name(req_.ip), RRType::PTR);
      if (p.status == DnsStatus::NxDomain || p.status == DnsStatus::NoData) {
        count_void();
        return false;
      }
      if (p.status != DnsStatus::Ok) return false;  // RFC 7208 5.5: no match
      const std::string v = validated_ptr_name(target);
      if (v == "unknown") return false;
      const std::string lv = ascii_lower(v), lt = ascii_lower(target);
      return lv == lt || (lv.size() > lt.size() && lv.compare(lv.size() - lt.size() - 1, std::string::npos, "." + lt) == 0);
    }
    if (n == "exists") {
      if (!valid_domain(target)) {
        count_void();
        return false;
      }
      const CachedAnswer& a = lookup(target, RRType::A);
      if (a.status == DnsStatus::NxDomain || a.status == DnsStatus::NoData) {
        count_void();
        return false;
      }
      if (a.status != DnsStatus::Ok) temp("DNS " + std::string(dns_status_name(a.status)) + " for " + target);
      return !a.records.addresses.empty();
    }
    if (n == "include") {
      if (!valid_domain(target)) perm("include of an invalid domain");
      const SpfResult r = check_host(target, depth + 1, nullptr);
      switch (r) {
        case SpfResult::Pass: return true;
        case SpfResult::Fail:
        case SpfResult::SoftFail:
        case SpfResult::Neutral: return false;
        case SpfResult::TempError: temp("temperror in include:" + target);
        case SpfResult::PermError:
        case SpfResult::None: perm("include:" + target + " has no usable SPF record");
      }
    }
    perm("unknown mechanism");
  }

  const SpfRequest req_;
  DnsCache& cache_;
  std::string sender_, local_, sender_domain_;
  int lookups_ = 0;
  int void_ = 0;
  std::vector<std::string> chain_;
};

}  // namespace

SpfOutcome evaluate_spf(const SpfRequest& request, DnsCache& cache) {
  Evaluator e(request, cache);
  return e.run();
}

std::string spf_syntax_error(const std::string& record) {
  // Parse with an empty cache: any DNS need is not a syntax question.
  DnsCache cache;
  cache.put("syntax.invalid", RRType::TXT, CachedAnswer{DnsStatus::Ok, DnsRecords{{}, {}, {record}, {}}});
  SpfRequest req;
  req.ip = *IpAddress::parse("192.0.2.1");
  req.sender = "postmaster@syntax.invalid";
  req.helo = "syntax.invalid";
  try {
    SpfOutcome o = evaluate_spf(req, cache);
    if (o.result == SpfResult::PermError) return o.error;
  } catch (const NeedDns&) {
  }
  return {};
}

}  // namespace smtpdiag
