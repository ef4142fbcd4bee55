// Fuzzes the bounded SMTP reply reader (ext/smtp/reply_reader): the bytes a
// server sends, cut into chunks the way recv() would, under small or default
// limits. Checks the reader's promises: bounded memory, codes 200..599,
// no more lines than allowed, and display text free of control bytes.
//
// Input: byte 0 picks the limits (bit 0: tiny limits) and whether EOF
// follows (bit 1); byte 1 is the chunk size (0 -> 1); the rest is the stream.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_support.h"
#include "smtp/reply_reader.h"

using smtpdiag::ReplyReader;

namespace {

// Printable ASCII, or valid UTF-8 kept by sanitize_line; no C0 byte, DEL or 0xFF.
void check_display_text(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == 0xff || c == 0xc0 || c == 0xc1) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  smtpdiag_fuzz::Cursor in(data, size);
  const uint8_t mode = in.byte();
  size_t chunk = in.byte();
  if (chunk == 0) chunk = 1;
  const std::string stream = in.rest();

  smtpdiag::ReplyLimits limits;
  if (mode & 1) limits = smtpdiag::ReplyLimits{64, 256, 4};
  ReplyReader reader(limits);
  const size_t cap = limits.max_reply + limits.max_line + 1;

  size_t pos = 0;
  bool failed = false;
  while (!failed) {
    if (pos < stream.size()) {
      const size_t n = std::min(chunk, stream.size() - pos);
      reader.feed(std::string_view(stream).substr(pos, n));
      pos += n;
    } else if (mode & 2) {
      reader.feed_eof();
    }
    if (reader.buffered() > cap) std::abort();
    for (;;) {
      smtpdiag::SmtpReply reply;
      const ReplyReader::Status st = reader.next(&reply);
      if (st == ReplyReader::Status::NeedMore) break;
      if (st == ReplyReader::Status::Error) {
        if (reader.error() == smtpdiag::ReplyError::None) std::abort();
        failed = true;
        break;
      }
      if (reply.code < 200 || reply.code > 599) std::abort();
      if (reply.lines.empty() || reply.lines.size() > limits.max_lines) std::abort();
      for (const auto& l : reply.lines) check_display_text(l);
      if (!reply.enhanced.empty() && reply.enhanced != smtpdiag::parse_enhanced_code(reply.enhanced))
        std::abort();
      (void)reply.text();
    }
    if (pos >= stream.size()) break;
  }
  if (reader.total_bytes() != pos) std::abort();

  // The helpers on their own, on the raw bytes.
  check_display_text(smtpdiag::sanitize_line(stream));
  (void)smtpdiag::parse_enhanced_code(stream);
  return 0;
}
