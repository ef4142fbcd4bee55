// The test message: RFC 5322 headers (Date, Message-ID, MIME-Version,
// From/To/Subject with RFC 2047 encoded words when not ASCII), the body
// with CRLF line ends, quoted-printable (RFC 2045) when a line would
// exceed 998 octets or the text is not ASCII, and dot-stuffing for DATA
// (RFC 5321 4.5.2).
#pragma once

#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace smtpdiag {

struct MailAddress {
  std::string display;  // may be empty
  std::string address;  // local@domain
};

// "user@example.com" or "Name <user@example.com>". False with `why` set.
bool parse_mail_address(const std::string& text, MailAddress* out, std::string* why);
bool needs_smtputf8(const std::string& address);

struct MessageSpec {
  MailAddress from;
  std::vector<MailAddress> to;
  std::string subject;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, validated
};

struct BuiltMessage {
  std::string message_id;   // "<...@domain>"
  std::string data;         // headers + body, CRLF, dot-stuffed, without the final "."
  size_t lines = 0;
  bool utf8_addresses = false;
};

BuiltMessage build_message(const MessageSpec& spec, time_t now);

// RFC 2047 "B" encoded words for a header value, folded so that no line
// exceeds 76 characters; `used` is what the line already holds ("Subject: ").
std::string encode_header_words(const std::string& text, size_t used = 0);
std::string rfc5322_date(time_t now);

}  // namespace smtpdiag
