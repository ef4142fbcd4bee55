#include "smtp/ehlo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smtpdiag {
namespace {

// Parses wire text through the real reader, as the connection does.
EhloInfo ehlo(const std::string& wire) {
  ReplyReader reader;
  reader.feed(wire);
  SmtpReply reply;
  EXPECT_EQ(reader.next(&reply), ReplyReader::Status::Reply) << wire;
  return parse_ehlo(reply);
}

using Strings = std::vector<std::string>;

TEST(Ehlo, PostfixStyle) {
  const EhloInfo info = ehlo(
      "250-mail.example.com\r\n"
      "250-PIPELINING\r\n"
      "250-SIZE 10240000\r\n"
      "250-VRFY\r\n"
      "250-ETRN\r\n"
      "250-STARTTLS\r\n"
      "250-ENHANCEDSTATUSCODES\r\n"
      "250-8BITMIME\r\n"
      "250-DSN\r\n"
      "250-SMTPUTF8\r\n"
      "250 CHUNKING\r\n");
  EXPECT_EQ(info.domain, "mail.example.com");
  EXPECT_FALSE(info.seen_ip.has_value());
  EXPECT_TRUE(info.starttls);
  EXPECT_TRUE(info.pipelining);
  EXPECT_TRUE(info.smtputf8);
  ASSERT_TRUE(info.size.has_value());
  EXPECT_EQ(*info.size, 10240000u);
  EXPECT_TRUE(info.auth.empty());
  EXPECT_EQ(info.extensions,
            (Strings{"PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS",
                     "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"}));
}

TEST(Ehlo, EximStyle) {
  const EhloInfo info = ehlo(
      "250-mx.example.org Hello client.example.net [192.0.2.10]\r\n"
      "250-SIZE 52428800\r\n"
      "250-8BITMIME\r\n"
      "250-PIPELINING\r\n"
      "250-AUTH PLAIN LOGIN\r\n"
      "250-CHUNKING\r\n"
      "250-PRDR\r\n"
      "250 HELP\r\n");
  EXPECT_EQ(info.domain, "mx.example.org");
  ASSERT_TRUE(info.seen_ip.has_value());
  EXPECT_EQ(*info.seen_ip, "192.0.2.10");
  EXPECT_FALSE(info.starttls);
  EXPECT_TRUE(info.pipelining);
  EXPECT_FALSE(info.smtputf8);
  ASSERT_TRUE(info.size.has_value());
  EXPECT_EQ(*info.size, 52428800u);
  EXPECT_EQ(info.auth, (Strings{"PLAIN", "LOGIN"}));
  EXPECT_EQ(info.extensions, (Strings{"SIZE 52428800", "8BITMIME", "PIPELINING", "AUTH PLAIN LOGIN",
                                      "CHUNKING", "PRDR", "HELP"}));
}

TEST(Ehlo, SeenIpv6) {
  EXPECT_EQ(ehlo("250-mx.example.org Hello [IPv6:2001:db8::1]\r\n250 HELP\r\n").seen_ip,
            std::optional<std::string>("2001:db8::1"));
  EXPECT_EQ(ehlo("250-mx.example.org Hello [2001:db8::1]\r\n250 HELP\r\n").seen_ip,
            std::optional<std::string>("2001:db8::1"));
}

TEST(Ehlo, BracketsThatAreNotAnAddress) {
  EXPECT_FALSE(ehlo("250-mx.example.org Hello [unknown]\r\n250 HELP\r\n").seen_ip.has_value());
  EXPECT_FALSE(ehlo("250-mx.example.org Hello []\r\n250 HELP\r\n").seen_ip.has_value());
  EXPECT_FALSE(ehlo("250-mx.example.org Hello [IPv6:]\r\n250 HELP\r\n").seen_ip.has_value());
}

TEST(Ehlo, SingleLineReplyHasNoExtensions) {
  const EhloInfo info = ehlo("250 mx.example.org\r\n");
  EXPECT_EQ(info.domain, "mx.example.org");
  EXPECT_TRUE(info.extensions.empty());
  EXPECT_FALSE(info.starttls);
  EXPECT_FALSE(info.size.has_value());
}

TEST(Ehlo, SizeWithoutValueMeansNoFixedLimit) {
  const EhloInfo info = ehlo("250-mx\r\n250 SIZE\r\n");
  ASSERT_TRUE(info.size.has_value());
  EXPECT_EQ(*info.size, 0u);
}

TEST(Ehlo, SizeZero) {
  EXPECT_EQ(ehlo("250-mx\r\n250 SIZE 0\r\n").size, std::optional<uint64_t>(0));
}

TEST(Ehlo, SizeOverflowOrGarbageGivesNoSize) {
  EXPECT_FALSE(ehlo("250-mx\r\n250 SIZE 18446744073709551616\r\n").size.has_value());  // 2^64
  EXPECT_FALSE(ehlo("250-mx\r\n250 SIZE 99999999999999999999999999\r\n").size.has_value());
  EXPECT_FALSE(ehlo("250-mx\r\n250 SIZE 10M\r\n").size.has_value());
  EXPECT_FALSE(ehlo("250-mx\r\n250 SIZE -1\r\n").size.has_value());
  // Large but representable.
  EXPECT_EQ(ehlo("250-mx\r\n250 SIZE 18446744073709551609\r\n").size,
            std::optional<uint64_t>(18446744073709551609ull));
}

TEST(Ehlo, LegacyAuthEqualsForm) {
  const EhloInfo info = ehlo("250-mx\r\n250 AUTH=LOGIN PLAIN\r\n");
  EXPECT_EQ(info.auth, (Strings{"LOGIN", "PLAIN"}));
  EXPECT_EQ(info.extensions, Strings{"AUTH=LOGIN PLAIN"});
}

TEST(Ehlo, AuthDeduplicatedAcrossBothForms) {
  const EhloInfo info = ehlo(
      "250-mx\r\n"
      "250-AUTH LOGIN PLAIN CRAM-MD5\r\n"
      "250-AUTH=LOGIN PLAIN\r\n"
      "250 AUTH plain xoauth2 PLAIN\r\n");
  EXPECT_EQ(info.auth, (Strings{"LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2"}));
}

TEST(Ehlo, LowercaseKeywordsUppercased) {
  const EhloInfo info = ehlo(
      "250-mx.example.org\r\n"
      "250-starttls\r\n"
      "250-Pipelining\r\n"
      "250-smtputf8\r\n"
      "250-size 1000\r\n"
      "250 auth login\r\n");
  EXPECT_TRUE(info.starttls);
  EXPECT_TRUE(info.pipelining);
  EXPECT_TRUE(info.smtputf8);
  EXPECT_EQ(info.size, std::optional<uint64_t>(1000));
  EXPECT_EQ(info.auth, Strings{"LOGIN"});
  // The keyword is uppercased; its parameters are kept as sent.
  EXPECT_EQ(info.extensions,
            (Strings{"STARTTLS", "PIPELINING", "SMTPUTF8", "SIZE 1000", "AUTH login"}));
}

TEST(Ehlo, DuplicateExtensionLinesKeepFlagsAndAuthOnce) {
  const EhloInfo info =
      ehlo("250-mx\r\n250-STARTTLS\r\n250-STARTTLS\r\n250-AUTH PLAIN\r\n250 AUTH PLAIN\r\n");
  EXPECT_TRUE(info.starttls);
  EXPECT_EQ(info.auth, Strings{"PLAIN"});
}

TEST(Ehlo, ExtraSpacesAndTabs) {
  // Tabs are turned into spaces by the reader; runs of spaces collapse.
  const EhloInfo info = ehlo("250-mx\r\n250-AUTH  PLAIN\tLOGIN \r\n250  STARTTLS\r\n");
  EXPECT_EQ(info.auth, (Strings{"PLAIN", "LOGIN"}));
  EXPECT_TRUE(info.starttls);
  EXPECT_EQ(info.extensions, (Strings{"AUTH PLAIN LOGIN", "STARTTLS"}));
}

TEST(Ehlo, OverlongAuthMechanismIgnored) {
  const EhloInfo info = ehlo("250-mx\r\n250 AUTH PLAIN " + std::string(41, 'X') + "\r\n");
  EXPECT_EQ(info.auth, Strings{"PLAIN"});
}

TEST(Ehlo, EmptyReply) {
  const EhloInfo info = parse_ehlo(SmtpReply{});
  EXPECT_EQ(info.domain, "");
  EXPECT_TRUE(info.extensions.empty());
}

}  // namespace
}  // namespace smtpdiag
