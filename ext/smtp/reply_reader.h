// The one bounded reader for everything an SMTP server sends (RFC 5321
// 4.2: "code SP text" / "code - text" lines). Every byte from the network
// goes through here: a maximum line length, a maximum reply size and line
// count, and a clear error for anything that is not an SMTP reply.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smtpdiag {

struct SmtpReply {
  int code = 0;                    // 200..599
  std::string enhanced;            // RFC 3463 "x.y.z" from the last line, or empty
  std::vector<std::string> lines;  // the text after "code SP/-", sanitised
  std::string text() const;        // lines joined with a space
};

enum class ReplyError {
  None,
  LineTooLong,     // no line end within max_line bytes
  ReplyTooLarge,   // more than max_reply bytes or max_lines lines in one reply
  Malformed,       // not "ddd", "ddd ", "ddd-"
  MixedCodes,      // continuation lines with different codes
  ClosedMidReply,  // EOF before the last line of a reply
};

const char* reply_error_name(ReplyError e);

struct ReplyLimits {
  size_t max_line = 2048;       // RFC 5321 4.5.3.1.5 says 512; servers exceed it
  size_t max_reply = 64 * 1024;
  size_t max_lines = 512;
};

class ReplyReader {
 public:
  explicit ReplyReader(ReplyLimits limits = {}) : limits_(limits) {}

  // Appends received bytes. Never grows past max_line + max_reply bytes:
  // once over, the next call to next() reports the error.
  void feed(std::string_view bytes);
  // End of stream: a partial reply becomes ClosedMidReply.
  void feed_eof() { eof_ = true; }

  enum class Status { Reply, NeedMore, Error };
  // Extracts the next complete reply.
  Status next(SmtpReply* out);

  ReplyError error() const { return error_; }
  bool saw_bare_lf() const { return bare_lf_; }
  bool saw_control_bytes() const { return control_bytes_; }
  // Bytes received after the last complete reply (STARTTLS injection check).
  size_t buffered() const { return buf_.size() - pos_; }
  size_t total_bytes() const { return total_; }
  void clear();

 private:
  ReplyLimits limits_;
  std::string buf_;
  size_t pos_ = 0;       // start of the unconsumed reply
  size_t total_ = 0;
  bool eof_ = false;
  bool bare_lf_ = false;
  bool control_bytes_ = false;
  bool overflow_ = false;  // bytes were dropped at the cap
  ReplyError error_ = ReplyError::None;
};

// Text safe to show: bytes outside printable ASCII (and not UTF-8) become
// "\xNN", so a hostile banner cannot smuggle control codes into a page.
std::string sanitize_line(std::string_view raw, bool* had_control = nullptr);

// Parses an RFC 3463 enhanced status code at the start of `text`
// ("5.7.1 ..."); returns it or empty.
std::string parse_enhanced_code(std::string_view text);

}  // namespace smtpdiag
