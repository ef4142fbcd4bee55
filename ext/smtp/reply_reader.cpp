#include "smtp/reply_reader.h"

#include <cstdio>

namespace smtpdiag {

const char* reply_error_name(ReplyError e) {
  switch (e) {
    case ReplyError::None: return "none";
    case ReplyError::LineTooLong: return "line_too_long";
    case ReplyError::ReplyTooLarge: return "reply_too_large";
    case ReplyError::Malformed: return "malformed_reply";
    case ReplyError::MixedCodes: return "mixed_reply_codes";
    case ReplyError::ClosedMidReply: return "closed_mid_reply";
  }
  return "unknown";
}

std::string SmtpReply::text() const {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += ' ';
    out += l;
  }
  return out;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string parse_enhanced_code(std::string_view t) {
  // class "." subject "." detail; class 2/4/5, subject 1-3 digits, detail 1-3 digits
  if (t.size() < 5 || (t[0] != '2' && t[0] != '4' && t[0] != '5') || t[1] != '.') return {};
  size_t i = 2;
  size_t n = 0;
  while (i < t.size() && is_digit(t[i]) && n < 3) { ++i; ++n; }
  if (n == 0 || i >= t.size() || t[i] != '.') return {};
  ++i;
  n = 0;
  while (i < t.size() && is_digit(t[i]) && n < 3) { ++i; ++n; }
  if (n == 0) return {};
  if (i < t.size() && t[i] != ' ' && t[i] != '\t') return {};
  return std::string(t.substr(0, i));
}

std::string sanitize_line(std::string_view raw, bool* had_control) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      continue;
    }
    // Keep well-formed UTF-8 sequences (servers greet in many languages).
    if (c >= 0xc2 && c <= 0xf4) {
      const size_t len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      bool ok = i + len <= raw.size();
      for (size_t k = 1; ok && k < len; ++k)
        ok = (static_cast<unsigned char>(raw[i + k]) & 0xc0) == 0x80;
      if (ok) {
        // RFC 3629 4: no overlong forms, no surrogates, nothing past U+10FFFF
        // (PHP's json_encode() refuses the whole result otherwise).
        const auto c1 = static_cast<unsigned char>(raw[i + 1]);
        ok = !((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) ||
               (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f));
      }
      if (ok) {
        out.append(raw.substr(i, len));
        i += len - 1;
        continue;
      }
    }
    if (c == '\t') {
      out += ' ';
      continue;
    }
    if (had_control) *had_control = true;
    char hex[5];
    std::snprintf(hex, sizeof hex, "\\x%02X", c);
    out += hex;
  }
  return out;
}

void ReplyReader::feed(std::string_view bytes) {
  total_ += bytes.size();
  // Compact consumed bytes before growing.
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 4096) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  // Keep one byte past the cap so that next() sees the overflow.
  const size_t limit = limits_.max_reply + limits_.max_line + 1;
  const size_t pending = buf_.size() - pos_;
  const size_t room = pending < limit ? limit - pending : 0;
  if (bytes.size() > room) overflow_ = true;
  buf_.append(bytes.substr(0, std::min(bytes.size(), room)));
}

void ReplyReader::clear() {
  buf_.clear();
  pos_ = 0;
  error_ = ReplyError::None;
  eof_ = false;
  overflow_ = false;
}

ReplyReader::Status ReplyReader::next(SmtpReply* out) {
  if (error_ != ReplyError::None) return Status::Error;
  SmtpReply reply;
  size_t cursor = pos_;
  size_t reply_bytes = 0;
  for (;;) {
    const size_t nl = buf_.find('\n', cursor);
    if (nl == std::string::npos) {
      if (buf_.size() - cursor > limits_.max_line) {
        error_ = ReplyError::LineTooLong;
        return Status::Error;
      }
      // pos_, not cursor: EOF right after a "ddd-" line is mid-reply too.
      if (eof_ && buf_.size() > pos_) {
        error_ = ReplyError::ClosedMidReply;
        return Status::Error;
      }
      if (overflow_) {
        // Bytes past the cap were dropped: what follows cannot be trusted.
        error_ = ReplyError::ReplyTooLarge;
        return Status::Error;
      }
      return Status::NeedMore;
    }
    size_t end = nl;
    if (end > cursor && buf_[end - 1] == '\r') {
      --end;
    } else {
      bare_lf_ = true;
    }
    if (nl - cursor > limits_.max_line) {
      error_ = ReplyError::LineTooLong;
      return Status::Error;
    }
    std::string_view line(buf_.data() + cursor, end - cursor);
    reply_bytes += nl + 1 - cursor;
    if (reply_bytes > limits_.max_reply || reply.lines.size() >= limits_.max_lines) {
      error_ = ReplyError::ReplyTooLarge;
      return Status::Error;
    }
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        line[0] < '2' || line[0] > '5' ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      error_ = ReplyError::Malformed;
      return Status::Error;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!reply.lines.empty() && code != reply.code) {
      error_ = ReplyError::MixedCodes;
      return Status::Error;
    }
    reply.code = code;
    const bool last = line.size() == 3 || line[3] == ' ';
    const std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
    reply.lines.push_back(sanitize_line(text, &control_bytes_));
    cursor = nl + 1;
    if (last) {
      reply.enhanced = parse_enhanced_code(reply.lines.back());
      pos_ = cursor;
      *out = std::move(reply);
      return Status::Reply;
    }
  }
}

}  // namespace smtpdiag
