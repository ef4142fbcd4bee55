#include "smtp/reply_reader.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace smtpdiag {

// Readable gtest messages for the enums (found by ADL).
static void PrintTo(ReplyError e, std::ostream* os) { *os << reply_error_name(e); }
static void PrintTo(ReplyReader::Status s, std::ostream* os) {
  *os << (s == ReplyReader::Status::Reply      ? "Reply"
          : s == ReplyReader::Status::NeedMore ? "NeedMore"
                                               : "Error");
}

namespace {

using Status = ReplyReader::Status;

// Every reply the reader yields until it needs more or fails.
std::vector<SmtpReply> drain(ReplyReader& r, Status* last = nullptr) {
  std::vector<SmtpReply> out;
  for (;;) {
    SmtpReply reply;
    const Status st = r.next(&reply);
    if (st != Status::Reply) {
      if (last) *last = st;
      return out;
    }
    out.push_back(std::move(reply));
  }
}

TEST(ReplyReader, SingleLine) {
  ReplyReader r;
  r.feed("220 mx.example.com ESMTP Postfix\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.code, 220);
  EXPECT_EQ(reply.lines, std::vector<std::string>{"mx.example.com ESMTP Postfix"});
  EXPECT_EQ(reply.enhanced, "");
  EXPECT_EQ(r.next(&reply), Status::NeedMore);
  EXPECT_EQ(r.error(), ReplyError::None);
  EXPECT_FALSE(r.saw_bare_lf());
  EXPECT_FALSE(r.saw_control_bytes());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(ReplyReader, Multiline) {
  ReplyReader r;
  r.feed("250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.code, 250);
  EXPECT_EQ(reply.lines, (std::vector<std::string>{"mx.example.com", "PIPELINING", "SIZE 10240000",
                                                   "8BITMIME"}));
  EXPECT_EQ(reply.text(), "mx.example.com PIPELINING SIZE 10240000 8BITMIME");
  EXPECT_EQ(r.next(&reply), Status::NeedMore);
}

TEST(ReplyReader, OneByteAtATime) {
  const std::string wire = "250-first line\r\n250-second\r\n250 2.0.0 last\r\n";
  ReplyReader r;
  SmtpReply reply;
  for (size_t i = 0; i + 1 < wire.size(); ++i) {
    r.feed(std::string_view(&wire[i], 1));
    ASSERT_EQ(r.next(&reply), Status::NeedMore) << "after byte " << i;
  }
  r.feed(std::string_view(&wire.back(), 1));
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.code, 250);
  EXPECT_EQ(reply.lines, (std::vector<std::string>{"first line", "second", "2.0.0 last"}));
  EXPECT_EQ(reply.enhanced, "2.0.0");
  EXPECT_EQ(r.total_bytes(), wire.size());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(ReplyReader, SeveralRepliesInOneFeed) {
  ReplyReader r;
  r.feed("250 a\r\n251 b\r\n354-c\r\n354 d\r\n221 e");
  Status st;
  const auto replies = drain(r, &st);
  EXPECT_EQ(st, Status::NeedMore);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].code, 250);
  EXPECT_EQ(replies[0].text(), "a");
  EXPECT_EQ(replies[1].code, 251);
  EXPECT_EQ(replies[1].text(), "b");
  EXPECT_EQ(replies[2].code, 354);
  EXPECT_EQ(replies[2].text(), "c d");
  EXPECT_EQ(r.buffered(), 5u);  // "221 e" waits for its line end
  r.feed("\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.code, 221);
}

TEST(ReplyReader, BareLfAccepted) {
  ReplyReader r;
  r.feed("220-one\n220 two\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.lines, (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(r.saw_bare_lf());
}

TEST(ReplyReader, CrlfOnlyDoesNotSetBareLf) {
  ReplyReader r;
  r.feed("220 a\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_FALSE(r.saw_bare_lf());
}

TEST(ReplyReader, ControlBytesSanitised) {
  ReplyReader r;
  static const char wire[] =
      "220 a\0b\xff"
      "c\x1b[31m\r\n";
  r.feed(std::string_view(wire, sizeof wire - 1));
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.lines[0], "a\\x00b\\xFFc\\x1B[31m");
  EXPECT_TRUE(r.saw_control_bytes());
}

TEST(ReplyReader, ValidUtf8KeptAndNotFlagged) {
  ReplyReader r;
  r.feed("220 Grüße \xe2\x82\xac \xf0\x9f\x93\xa7\tok\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.lines[0], "Grüße \xe2\x82\xac \xf0\x9f\x93\xa7 ok");  // tab -> space
  EXPECT_FALSE(r.saw_control_bytes());
}

TEST(SanitizeLine, InvalidUtf8Escaped) {
  bool ctl = false;
  // Truncated sequence at the end, lone continuation byte.
  EXPECT_EQ(sanitize_line("a\xc3", &ctl), "a\\xC3");
  EXPECT_TRUE(ctl);
  EXPECT_EQ(sanitize_line("\x80z"), "\\x80z");
  // Overlong "/" (C0 AF) and overlong NUL in three bytes (E0 80 80).
  EXPECT_EQ(sanitize_line("\xc0\xaf"), "\\xC0\\xAF");
  EXPECT_EQ(sanitize_line("\xe0\x80\x80"), "\\xE0\\x80\\x80");
  // A UTF-16 surrogate (U+D800) and a code point past U+10FFFF.
  EXPECT_EQ(sanitize_line("\xed\xa0\x80"), "\\xED\\xA0\\x80");
  EXPECT_EQ(sanitize_line("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");
  // Their valid neighbours stay.
  EXPECT_EQ(sanitize_line("\xed\x9f\xbf"), "\xed\x9f\xbf");          // U+D7FF
  EXPECT_EQ(sanitize_line("\xe0\xa0\x80"), "\xe0\xa0\x80");          // U+0800
  EXPECT_EQ(sanitize_line("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF
  EXPECT_EQ(sanitize_line("\xf0\x90\x80\x80"), "\xf0\x90\x80\x80");  // U+10000
  EXPECT_EQ(sanitize_line("\x7f"), "\\x7F");
}

TEST(ReplyReader, LongLineWithoutNewline) {
  ReplyReader r(ReplyLimits{64, 1024, 16});
  r.feed("250 " + std::string(60, 'a'));
  SmtpReply reply;
  EXPECT_EQ(r.next(&reply), Status::NeedMore);  // 64 bytes: still allowed
  r.feed("b");
  EXPECT_EQ(r.next(&reply), Status::Error);
  EXPECT_EQ(r.error(), ReplyError::LineTooLong);
  EXPECT_STREQ(reply_error_name(r.error()), "line_too_long");
  // Errors are sticky.
  r.feed("\r\n250 ok\r\n");
  EXPECT_EQ(r.next(&reply), Status::Error);
}

TEST(ReplyReader, LongLineWithNewline) {
  ReplyReader r;  // default max_line 2048
  r.feed("250 " + std::string(3000, 'x') + "\r\n");
  SmtpReply reply;
  EXPECT_EQ(r.next(&reply), Status::Error);
  EXPECT_EQ(r.error(), ReplyError::LineTooLong);
}

TEST(ReplyReader, ReplyTooLargeByBytes) {
  // Four lines of 25 bytes: exactly max_reply.
  const std::string line = "250-" + std::string(19, 'a') + "\r\n";
  const std::string last = "250 " + std::string(19, 'z') + "\r\n";
  ASSERT_EQ(line.size(), 25u);
  {
    ReplyReader r(ReplyLimits{64, 100, 100});
    r.feed(line + line + line + last);
    SmtpReply reply;
    ASSERT_EQ(r.next(&reply), Status::Reply);
    EXPECT_EQ(reply.lines.size(), 4u);
  }
  {
    ReplyReader r(ReplyLimits{64, 100, 100});
    r.feed(line + line + line + "250 " + std::string(20, 'z') + "\r\n");  // 101 bytes
    SmtpReply reply;
    EXPECT_EQ(r.next(&reply), Status::Error);
    EXPECT_EQ(r.error(), ReplyError::ReplyTooLarge);
  }
}

TEST(ReplyReader, ReplyTooLargeByLines) {
  {
    ReplyReader r(ReplyLimits{64, 4096, 3});
    r.feed("250-a\r\n250-b\r\n250 c\r\n");
    SmtpReply reply;
    ASSERT_EQ(r.next(&reply), Status::Reply);
    EXPECT_EQ(reply.lines.size(), 3u);
  }
  {
    ReplyReader r(ReplyLimits{64, 4096, 3});
    r.feed("250-a\r\n250-b\r\n250-c\r\n250 d\r\n");
    SmtpReply reply;
    EXPECT_EQ(r.next(&reply), Status::Error);
    EXPECT_EQ(r.error(), ReplyError::ReplyTooLarge);
    EXPECT_STREQ(reply_error_name(r.error()), "reply_too_large");
  }
}

TEST(ReplyReader, Malformed) {
  for (const char* bad : {"hello\r\n", "22\r\n", "600 x\r\n", "220x\r\n", "199 x\r\n", "2a0 x\r\n",
                          "\r\n", " 220 x\r\n"}) {
    ReplyReader r;
    r.feed(bad);
    SmtpReply reply;
    EXPECT_EQ(r.next(&reply), Status::Error) << bad;
    EXPECT_EQ(r.error(), ReplyError::Malformed) << bad;
  }
  EXPECT_STREQ(reply_error_name(ReplyError::Malformed), "malformed_reply");
}

TEST(ReplyReader, MalformedContinuationLine) {
  ReplyReader r;
  r.feed("250-ok\r\nPIPELINING\r\n250 ok\r\n");
  SmtpReply reply;
  EXPECT_EQ(r.next(&reply), Status::Error);
  EXPECT_EQ(r.error(), ReplyError::Malformed);
}

TEST(ReplyReader, MixedCodes) {
  ReplyReader r;
  r.feed("250-mx.example.com\r\n251 other\r\n");
  SmtpReply reply;
  EXPECT_EQ(r.next(&reply), Status::Error);
  EXPECT_EQ(r.error(), ReplyError::MixedCodes);
  EXPECT_STREQ(reply_error_name(r.error()), "mixed_reply_codes");
}

TEST(ReplyReader, EofMidLine) {
  ReplyReader r;
  r.feed("220 mx.exam");
  r.feed_eof();
  SmtpReply reply;
  EXPECT_EQ(r.next(&reply), Status::Error);
  EXPECT_EQ(r.error(), ReplyError::ClosedMidReply);
  EXPECT_STREQ(reply_error_name(r.error()), "closed_mid_reply");
}

TEST(ReplyReader, EofBetweenLinesOfAMultilineReply) {
  ReplyReader r;
  r.feed("250-mx.example.com\r\n250-PIPELINING\r\n");
  r.feed_eof();
  SmtpReply reply;
  EXPECT_EQ(r.next(&reply), Status::Error);
  EXPECT_EQ(r.error(), ReplyError::ClosedMidReply);
}

TEST(ReplyReader, EofWithEmptyBufferIsNotAnError) {
  ReplyReader r;
  r.feed_eof();
  SmtpReply reply;
  EXPECT_EQ(r.next(&reply), Status::NeedMore);
  EXPECT_EQ(r.error(), ReplyError::None);

  ReplyReader r2;
  r2.feed("221 bye\r\n");
  r2.feed_eof();
  ASSERT_EQ(r2.next(&reply), Status::Reply);
  EXPECT_EQ(reply.code, 221);
  EXPECT_EQ(r2.next(&reply), Status::NeedMore);
  EXPECT_EQ(r2.error(), ReplyError::None);
}

TEST(ReplyReader, CodeAloneIsComplete) {
  ReplyReader r;
  r.feed("250\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.code, 250);
  EXPECT_EQ(reply.lines, std::vector<std::string>{""});
  EXPECT_EQ(reply.text(), "");
  EXPECT_EQ(reply.enhanced, "");
}

TEST(ReplyReader, EnhancedStatusCodes) {
  struct Case {
    const char* wire;
    const char* enhanced;
  };
  const Case cases[] = {
      {"550 5.7.1 Relaying denied\r\n", "5.7.1"},
      {"250 2.0.0\r\n", "2.0.0"},
      {"250 2.1.5 Ok\r\n", "2.1.5"},
      {"452 4.3.1 Insufficient system storage\r\n", "4.3.1"},
      {"550 5.123.456 odd but valid\r\n", "5.123.456"},
      {"250-2.0.0 first\r\n250 2.1.0 last\r\n", "2.1.0"},  // from the last line
      {"250 20.0.0x\r\n", ""},
      {"250 2.0.0x\r\n", ""},
      {"250 3.0.0 class 3 does not exist\r\n", ""},
      {"250 2.1234.0 too long\r\n", ""},
      {"250 2..0\r\n", ""},
      {"250 2.0.\r\n", ""},
      {"250 ok 2.0.0\r\n", ""},
  };
  for (const Case& c : cases) {
    ReplyReader r;
    r.feed(c.wire);
    SmtpReply reply;
    ASSERT_EQ(r.next(&reply), Status::Reply) << c.wire;
    EXPECT_EQ(reply.enhanced, c.enhanced) << c.wire;
  }
  EXPECT_EQ(parse_enhanced_code("5.7.1\tdenied"), "5.7.1");
  EXPECT_EQ(parse_enhanced_code(""), "");
}

TEST(ReplyReader, BufferedCountsBytesAfterTheLastReply) {
  ReplyReader r;
  r.feed("220 go ahead\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(r.buffered(), 0u);

  ReplyReader injected;
  injected.feed("220 go ahead\r\n250 injected\r\n");
  ASSERT_EQ(injected.next(&reply), Status::Reply);
  EXPECT_EQ(reply.code, 220);
  EXPECT_EQ(injected.buffered(), 14u);  // "250 injected\r\n"

  ReplyReader partial;
  partial.feed("220 go ahead\r\nX");
  ASSERT_EQ(partial.next(&reply), Status::Reply);
  EXPECT_EQ(partial.buffered(), 1u);
}

TEST(ReplyReader, ClearResetsErrorAndBuffer) {
  ReplyReader r;
  r.feed("garbage\r\n");
  SmtpReply reply;
  ASSERT_EQ(r.next(&reply), Status::Error);
  r.clear();
  EXPECT_EQ(r.error(), ReplyError::None);
  EXPECT_EQ(r.buffered(), 0u);
  r.feed("250 ok\r\n");
  ASSERT_EQ(r.next(&reply), Status::Reply);
  EXPECT_EQ(reply.code, 250);
}

// 10 MB without a line end, never asking for replies in between: the
// buffer stays at its cap, the error is reported, every byte is counted.
TEST(ReplyReader, TenMegabytesWithoutNewlineStaysBounded) {
  const ReplyLimits limits{16, 64, 8};
  const size_t cap = limits.max_line + limits.max_reply;
  ReplyReader r(limits);
  const std::string chunk(1024, 'A');
  const size_t total = 10u * 1024 * 1024;
  for (size_t sent = 0; sent < total; sent += chunk.size()) {
    r.feed(chunk);
    ASSERT_LE(r.buffered(), cap + 1) << "after " << sent << " bytes";
  }
  EXPECT_EQ(r.total_bytes(), total);
  SmtpReply reply;
  EXPECT_EQ(r.next(&reply), Status::Error);
  EXPECT_EQ(r.error(), ReplyError::LineTooLong);
}

// The same volume as an endless multiline reply, read as it arrives.
TEST(ReplyReader, TenMegabytesOfOneReplyFails) {
  ReplyReader r;  // defaults: 64 KiB per reply
  std::string chunk;
  while (chunk.size() < 16 * 1024) chunk += "250-AAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n";
  const size_t total = 10u * 1024 * 1024;
  size_t sent = 0;
  Status st = Status::NeedMore;
  SmtpReply reply;
  while (sent < total) {
    r.feed(chunk);
    sent += chunk.size();
    st = r.next(&reply);
    ASSERT_NE(st, Status::Reply);
    ASSERT_LE(r.buffered(), ReplyLimits{}.max_line + ReplyLimits{}.max_reply + 1);
  }
  EXPECT_EQ(st, Status::Error);
  EXPECT_EQ(r.error(), ReplyError::ReplyTooLarge);
  EXPECT_EQ(r.total_bytes(), sent);
}

// Many small replies that overflow the buffer in one go: whatever is
// dropped must surface as an error, never as silently missing replies or
// as lines spliced from two different places in the stream.
TEST(ReplyReader, OverflowOfCompleteRepliesIsAnError) {
  const ReplyLimits limits{16, 64, 8};
  ReplyReader r(limits);
  std::string wire;
  for (int i = 0; i < 40; ++i) wire += "250 ok\r\n";  // 320 bytes > cap 80
  r.feed(wire);
  r.feed("250 next\r\n");
  Status st;
  const auto replies = drain(r, &st);
  EXPECT_EQ(st, Status::Error);
  EXPECT_EQ(r.error(), ReplyError::ReplyTooLarge);
  EXPECT_EQ(replies.size(), 10u);  // the 80 bytes that fitted
  for (const auto& reply : replies) EXPECT_EQ(reply.text(), "ok");
  EXPECT_EQ(r.total_bytes(), wire.size() + 10);
}

}  // namespace
}  // namespace smtpdiag
