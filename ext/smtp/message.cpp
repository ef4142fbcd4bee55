#include "smtp/message.h"
#include "util/text.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>

#include "smtp/sasl.h"

namespace smtpdiag {

namespace {

bool is_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::string random_hex(size_t bytes) {
  unsigned char buf[32];
  if (bytes > sizeof buf) bytes = sizeof buf;
  RAND_bytes(buf, static_cast<int>(bytes));
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    out += d[buf[i] >> 4];
    out += d[buf[i] & 15];
  }
  return out;
}

// `used`: characters already on the header's line (for folding).
std::string format_address(const MailAddress& a, size_t used) {
  if (a.display.empty()) return "<" + a.address + ">";
  std::string name;
  if (is_ascii(a.display)) {
    // A quoted-string: escape quotes and backslashes.
    name = "\"";
    for (char c : a.display) {
      if (c == '"' || c == '\\') name += '\\';
      name += c;
    }
    name += "\"";
  } else {
    name = encode_header_words(a.display, used);
  }
  const auto last_break = name.rfind("\r\n");
  const size_t last_line = last_break == std::string::npos ? used + name.size() : name.size() - last_break - 2;
  const std::string addr = "<" + a.address + ">";
  // Fold before the address when it would push the line past 76.
  return last_line + 1 + addr.size() > 76 ? name + "\r\n " + addr : name + " " + addr;
}

// RFC 2045 6.7 (3): white space ending a line must be encoded, or
// transports may strip it.
void encode_trailing_space(std::string& out) {
  if (out.empty() || (out.back() != ' ' && out.back() != '\t')) return;
  const char ws = out.back();
  out.pop_back();
  out += ws == ' ' ? "=20" : "=09";
}

// Quoted-printable (RFC 2045 6.7) of CRLF-normalised text, soft line
// breaks keeping every line under 76 characters.
std::string quoted_printable(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  size_t col = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      encode_trailing_space(out);  // before a hard break
      out += "\r\n";
      col = 0;
      ++i;
      continue;
    }
    std::string piece;
    if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') {
      piece = static_cast<char>(c);
    } else {
      piece = "=";
      piece += hex[c >> 4];
      piece += hex[c & 15];
    }
    if (col + piece.size() > 75) {
      out += "=\r\n";
      col = 0;
    }
    out += piece;
    col += piece.size();
  }
  encode_trailing_space(out);  // and at the very end
  return out;
}

std::string normalise_crlf(const std::string& in) {
  std::string out;
  out.reserve(in.size() + in.size() / 32);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      out += "\r\n";
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else if (in[i] == '\n') {
      out += "\r\n";
    } else {
      out += in[i];
    }
  }
  return out;
}

bool has_long_line(const std::string& crlf_text, size_t limit) {
  size_t start = 0;
  while (start <= crlf_text.size()) {
    size_t end = crlf_text.find("\r\n", start);
    if (end == std::string::npos) end = crlf_text.size();
    if (end - start > limit) return true;
    start = end + 2;
  }
  return false;
}

}  // namespace

bool needs_smtputf8(const std::string& address) { return !is_ascii(address); }

bool parse_mail_address(const std::string& text, MailAddress* out, std::string* why) {
  std::string t = trim(text);
  MailAddress a;
  const auto lt = t.rfind('<');
  if (lt != std::string::npos) {
    if (t.back() != '>') {
      *why = "has a '<' without a closing '>'";
      return false;
    }
    a.address = trim(t.substr(lt + 1, t.size() - lt - 2));
    std::string name = trim(t.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    a.display = name;
  } else {
    a.address = t;
  }
  const auto at = a.address.rfind('@');
  if (a.address.empty() || at == std::string::npos || at == 0 || at + 1 == a.address.size()) {
    *why = "must be an address of the form local@domain";
    return false;
  }
  if (a.address.size() > 254) {
    *why = "must be at most 254 characters";
    return false;
  }
  for (unsigned char c : a.address) {
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
        c == ';' || c == '\\' || c == '"' || c == '[' || c == ']') {
      *why = "must be a plain address without spaces, quotes, brackets or control characters";
      return false;
    }
  }
  *out = a;
  return true;
}

std::string encode_header_words(const std::string& text, size_t used) {
  if (is_ascii(text)) return text;
  // RFC 2047 2: an encoded-word line stays within 76 characters. Each word
  // costs 12 characters of "=?UTF-8?B?" and "?="; base64 turns 3 octets
  // into 4. Split on UTF-8 character boundaries so no word cuts one.
  std::string out;
  size_t i = 0;
  size_t line_used = used;
  while (i < text.size()) {
    const size_t room = line_used + 12 < 76 ? 76 - line_used - 12 : 4;
    const size_t max_octets = std::max<size_t>(3, room / 4 * 3);
    size_t end = i;
    while (end < text.size()) {
      size_t len = 1;
      const auto c = static_cast<unsigned char>(text[end]);
      if (c >= 0xf0) len = 4;
      else if (c >= 0xe0) len = 3;
      else if (c >= 0xc0) len = 2;
      if (end + len - i > max_octets) break;
      end += len;
    }
    if (end == i) end = std::min(text.size(), i + 1);
    const std::string word = "=?UTF-8?B?" + base64_encode(text.substr(i, end - i)) + "?=";
    if (!out.empty()) out += "\r\n ";
    out += word;
    line_used = 1;  // each further word starts a continuation line: " "
    i = end;
  }
  return out;
}

std::string rfc5322_date(time_t now) {
  tm t{};
  gmtime_r(&now, &t);
  static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[t.tm_wday % 7],
                t.tm_mday, months[t.tm_mon % 12], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

BuiltMessage build_message(const MessageSpec& spec, time_t now) {
  BuiltMessage m;
  const std::string domain = spec.from.address.substr(spec.from.address.rfind('@') + 1);
  m.message_id = "<" + random_hex(12) + "." + std::to_string(static_cast<long long>(now)) +
                 "@" + domain + ">";
  m.utf8_addresses = needs_smtputf8(spec.from.address);
  std::string to;
  for (const auto& a : spec.to) {
    if (!to.empty()) to += ",\r\n ";
    to += format_address(a, to.empty() ? 4 : 1);
    if (needs_smtputf8(a.address)) m.utf8_addresses = true;
  }
  std::string body = normalise_crlf(spec.body);
  const bool qp = !is_ascii(body) || has_long_line(body, 998);
  if (qp) body = quoted_printable(body);
  if (body.size() < 2 || body.compare(body.size() - 2, 2, "\r\n") != 0) body += "\r\n";

  std::string h;
  h += "Date: " + rfc5322_date(now) + "\r\n";
  h += "From: " + format_address(spec.from, 6) + "\r\n";
  h += "To: " + to + "\r\n";
  h += "Subject: " + encode_header_words(spec.subject, 9) + "\r\n";
  h += "Message-ID: " + m.message_id + "\r\n";
  h += "MIME-Version: 1.0\r\n";
  h += "Content-Type: text/plain; charset=UTF-8\r\n";
  h += std::string("Content-Transfer-Encoding: ") + (qp ? "quoted-printable" : "7bit") + "\r\n";
  for (const auto& [name, value] : spec.headers)
    h += name + ": " + encode_header_words(value, name.size() + 2) + "\r\n";
  h += "\r\n";

  // Dot-stuffing: a line starting with '.' gets another one (RFC 5321 4.5.2).
  const std::string all = h + body;
  m.data.reserve(all.size() + 16);
  bool line_start = true;
  for (char c : all) {
    if (line_start && c == '.') m.data += '.';
    m.data += c;
    line_start = c == '\n';
    if (c == '\n') ++m.lines;
  }
  return m;
}

}  // namespace smtpdiag
