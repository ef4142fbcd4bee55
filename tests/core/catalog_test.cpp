#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "diagnose/finding.h"

#ifndef SMTPDIAG_SOURCE_DIR
#error "CMake defines SMTPDIAG_SOURCE_DIR (the repository root) for the tests"
#endif

namespace smtpdiag {
namespace {

bool is_lower_snake_case(const std::string& s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z') || s.back() == '_') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok || (c == '_' && s[i - 1] == '_')) return false;
  }
  return true;
}

// "{name}" placeholders of a template, in order.
std::set<std::string> placeholders(const std::string& t) {
  std::set<std::string> out;
  size_t i = 0;
  while ((i = t.find('{', i)) != std::string::npos) {
    const size_t end = t.find('}', i);
    if (end == std::string::npos) break;
    out.insert(t.substr(i + 1, end - i - 1));
    i = end + 1;
  }
  return out;
}

TEST(Catalog, CodesAreUniqueLowerSnakeCaseWithAllTexts) {
  const auto& catalog = finding_catalog();
  ASSERT_FALSE(catalog.empty());
  std::set<std::string> seen;
  for (const CatalogEntry& e : catalog) {
    ASSERT_NE(e.code, nullptr);
    const std::string code = e.code;
    EXPECT_TRUE(seen.insert(code).second) << "duplicate code " << code;
    EXPECT_TRUE(is_lower_snake_case(code)) << code;
    for (const char* text : {e.title, e.detail, e.fix, e.trigger}) {
      ASSERT_NE(text, nullptr) << code;
      EXPECT_NE(std::string(text), "") << code;
    }
    // Braces only as well-formed placeholders.
    for (const char* text : {e.title, e.detail, e.fix, e.trigger}) {
      int depth = 0;
      for (const char* p = text; *p; ++p) {
        if (*p == '{') ++depth;
        if (*p == '}') --depth;
        EXPECT_TRUE(depth == 0 || depth == 1) << code << ": " << text;
      }
      EXPECT_EQ(depth, 0) << code << ": " << text;
    }
    // Titles and triggers are plain words, not templates.
    EXPECT_TRUE(placeholders(e.title).empty()) << code;
  }
}

TEST(Catalog, SnakeCaseCheckItself) {
  EXPECT_TRUE(is_lower_snake_case("port_filtered"));
  EXPECT_TRUE(is_lower_snake_case("ipv6_unreachable"));
  EXPECT_FALSE(is_lower_snake_case("Port_filtered"));
  EXPECT_FALSE(is_lower_snake_case("port-filtered"));
  EXPECT_FALSE(is_lower_snake_case("port__filtered"));
  EXPECT_FALSE(is_lower_snake_case("_port"));
  EXPECT_FALSE(is_lower_snake_case("port_"));
  EXPECT_FALSE(is_lower_snake_case("6port"));
}

TEST(Catalog, MakeFindingFillsEveryPlaceholder) {
  for (const CatalogEntry& e : finding_catalog()) {
    std::map<std::string, std::string> params;
    for (const char* text : {e.detail, e.fix})
      for (const auto& name : placeholders(text)) params[name] = "<" + name + ">";
    const Finding f = make_finding(e.code, params, {});
    EXPECT_EQ(f.code, e.code);
    EXPECT_EQ(f.severity, e.severity) << e.code;
    EXPECT_EQ(f.title, e.title);
    for (const std::string* text : {&f.detail, &f.fix}) {
      EXPECT_EQ(text->find('{'), std::string::npos) << e.code << ": " << *text;
      EXPECT_EQ(text->find('}'), std::string::npos) << e.code << ": " << *text;
    }
    for (const auto& [name, value] : params) {
      EXPECT_TRUE(f.detail.find(value) != std::string::npos ||
                  f.fix.find(value) != std::string::npos)
          << e.code << ": " << value << " not filled in";
    }
  }
}

TEST(Catalog, MakeFindingExactText) {
  const Finding f =
      make_finding("port_refused",
                   {{"address", "192.0.2.25"},
                    {"port", "587"},
                    {"alternatives", "Port 465 is open: switch to it (SSL/implicit TLS)."}},
                   {{"port", int64_t{587}}, {"address", std::string("192.0.2.25")}});
  EXPECT_EQ(f.code, "port_refused");
  EXPECT_EQ(f.severity, Severity::Warning);
  EXPECT_EQ(f.title, "A port is closed");
  EXPECT_EQ(f.detail,
            "192.0.2.25 answered port 587 with a reset (ECONNREFUSED): nothing listens there.");
  EXPECT_EQ(f.fix,
            "Use a port the server listens on. Port 465 is open: switch to it (SSL/implicit TLS).");
  ASSERT_EQ(f.evidence.size(), 2u);
  EXPECT_EQ(f.evidence[0].first, "port");
  EXPECT_EQ(std::get<int64_t>(f.evidence[0].second), 587);
  EXPECT_EQ(std::get<std::string>(f.evidence[1].second), "192.0.2.25");
}

TEST(Catalog, MissingPlaceholdersBecomeEmpty) {
  // {port} and {alternatives} not given: empty, and no double or trailing
  // spaces left behind.
  const Finding f = make_finding("port_refused", {{"address", "192.0.2.25"}}, {});
  EXPECT_EQ(f.detail,
            "192.0.2.25 answered port with a reset (ECONNREFUSED): nothing listens there.");
  EXPECT_EQ(f.fix, "Use a port the server listens on.");
  // Parameters that no placeholder asks for are ignored.
  const Finding g = make_finding("server_busy",
                                 {{"address", "a"}, {"port", "25"}, {"text", "t"}, {"x", "y"}}, {});
  EXPECT_EQ(g.detail, "a port 25 answered 421: t");
}

TEST(Catalog, SilenceWords) {
  // A kernel timeout is called one; an early verdict gives its grounds.
  EXPECT_EQ(silence_words(10003.4, false, 6, std::nullopt), "ETIMEDOUT after 10003 ms");
  EXPECT_EQ(silence_words(2001.2, true, 2, 3.6),
            "2 SYNs unanswered in 2001 ms, while the same address answered another port within 4 ms; not waited out");
  EXPECT_EQ(silence_words(2001.0, true, 3, 0.2),
            "3 SYNs unanswered in 2001 ms, while the same address answered another port in under 1 ms; not waited out");
  EXPECT_EQ(silence_words(3002.0, true, 0, std::nullopt),
            "no answer in 3002 ms, while another address of the host answered; not waited out");
  const Finding f = make_finding("port_filtered",
                                 {{"address", "192.0.2.25"}, {"port", "587"},
                                  {"silence", silence_words(2001.0, true, 2, 1.0)}},
                                 {});
  EXPECT_EQ(f.detail,
            "Connections to 192.0.2.25 port 587 get no answer at all (2 SYNs unanswered in 2001 ms, while the same "
            "address answered another port within 1 ms; not waited out).");
}

TEST(Catalog, BlockedByRouter) {
  EXPECT_EQ(blocked_by_router("203.0.113.2"), "by a router on the way (203.0.113.2)");
  EXPECT_EQ(blocked_by_router(""), "by a router on the way");
  const Finding f = make_finding("port_blocked_upstream",
                                 {{"address", "192.0.2.25"}, {"port", "25"}, {"at", blocked_by_router("203.0.113.2")},
                                  {"how", ": the router answered ICMP type 3 code 13 (prohibited)"}},
                                 {});
  EXPECT_EQ(f.detail,
            "Port 25 to 192.0.2.25 is blocked by a router on the way (203.0.113.2): the router answered ICMP type 3 "
            "code 13 (prohibited).");
}

TEST(Catalog, UnknownCode) {
  const Finding f = make_finding("no_such_code", {{"a", "b"}}, {});
  EXPECT_EQ(f.code, "no_such_code");
  EXPECT_EQ(f.title, "no_such_code");
  EXPECT_EQ(f.severity, Severity::Info);
  EXPECT_EQ(f.detail, "");
  EXPECT_EQ(f.fix, "");
}

TEST(Catalog, SortFindingsIsStableBySeverity) {
  auto finding = [](const char* code, Severity s) {
    Finding f;
    f.code = code;
    f.severity = s;
    return f;
  };
  std::vector<Finding> v = {
      finding("i1", Severity::Info),    finding("c1", Severity::Critical),
      finding("o1", Severity::Ok),      finding("i2", Severity::Info),
      finding("w1", Severity::Warning), finding("c2", Severity::Critical),
      finding("w2", Severity::Warning), finding("c3", Severity::Critical),
  };
  sort_findings(v);
  std::vector<std::string> codes;
  for (const auto& f : v) codes.push_back(f.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"c1", "c2", "c3", "w1", "w2", "i1", "i2", "o1"}));
}

TEST(Catalog, SeverityNames) {
  EXPECT_STREQ(severity_name(Severity::Critical), "critical");
  EXPECT_STREQ(severity_name(Severity::Warning), "warning");
  EXPECT_STREQ(severity_name(Severity::Info), "info");
  EXPECT_STREQ(severity_name(Severity::Ok), "ok");
}

TEST(Catalog, AlternativesText) {
  EXPECT_EQ(alternatives_text({}), "No other SMTP port answers either.");
  EXPECT_EQ(alternatives_text({{587, false}, {465, true}}),
            "Port 587 is open: switch to it (STARTTLS). "
            "Port 465 is open: switch to it (SSL/implicit TLS).");
}

bool is_code_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// `code` as a whole word of `text`.
bool mentions(const std::string& text, const std::string& code) {
  for (size_t i = text.find(code); i != std::string::npos; i = text.find(code, i + 1)) {
    const bool left = i == 0 || !is_code_char(text[i - 1]);
    const size_t end = i + code.size();
    const bool right = end == text.size() || !is_code_char(text[end]);
    if (left && right) return true;
  }
  return false;
}

// README's "## Finding codes" section documents every code of the table.
TEST(Catalog, ReadmeDocumentsEveryCode) {
  const std::string path = std::string(SMTPDIAG_SOURCE_DIR) + "/README.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string readme = ss.str();

  const std::string heading = "## Finding codes";
  size_t start = std::string::npos;
  for (size_t i = readme.find(heading); i != std::string::npos; i = readme.find(heading, i + 1)) {
    const size_t after = i + heading.size();
    if ((i == 0 || readme[i - 1] == '\n') &&
        (after == readme.size() || readme[after] == '\n' || readme[after] == '\r')) {
      start = after;
      break;
    }
  }
  ASSERT_NE(start, std::string::npos)
      << path << " has no \"" << heading << "\" section: add one listing every finding code";
  // The section runs to the next level-2 heading.
  size_t end = readme.find("\n## ", start);
  if (end == std::string::npos) end = readme.size();
  const std::string section = readme.substr(start, end - start);

  std::string missing;
  for (const CatalogEntry& e : finding_catalog())
    if (!mentions(section, e.code)) missing += std::string(missing.empty() ? "" : ", ") + e.code;
  EXPECT_EQ(missing, "") << "finding codes missing from " << path << " \"" << heading << "\"";
}

TEST(Catalog, MentionsIsWholeWord) {
  EXPECT_TRUE(mentions("| `port_filtered` | ...", "port_filtered"));
  EXPECT_TRUE(mentions("port_filtered", "port_filtered"));
  EXPECT_FALSE(mentions("port_filtered_x", "port_filtered"));
  EXPECT_FALSE(mentions("xport_filtered", "port_filtered"));
  EXPECT_TRUE(mentions("xport_filtered port_filtered.", "port_filtered"));
}

}  // namespace
}  // namespace smtpdiag
