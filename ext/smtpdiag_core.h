// The core's front door: process-wide setup and versions. Each PHP function
// maps to one entry point: smtpdiag_probe -> run_probe (probe/probe.h).
#pragma once

#include <string>

namespace smtpdiag {

constexpr const char* kVersion = "0.1.0";

// Process-wide initialisation of OpenSSL and c-ares: call once (MINIT),
// before any other thread can run a probe. Returns false with `error` set.
//
// Thread safety (ZTS): the core keeps no mutable global state. Everything
// a call uses belongs to that call (its event loop, c-ares channel, DNS
// cache, buffers) or to the caller: CA stores and TLS contexts come from
// the TrustCache the caller passes in ProbeConfig::trust, which the
// extension keeps in its module globals (one per thread under ZTS). So
// calls may run at once in several threads. The only process-wide state is OpenSSL's and c-ares' library
// state and two read-only tables (our socket BIO method, the Public Suffix
// List), all built here, plus constant tables built on first use under
// C++11's thread-safe static initialisation. tests/hardening/run.sh fails
// on any other writable global in the built extension (globals.allow).
bool global_init(std::string* error);
void global_shutdown();

struct Versions {
  std::string extension;
  std::string openssl;
  std::string cares;
};
Versions versions();

// This host's name for EHLO (RFC 5321 4.1.4): gethostname(), else a literal.
std::string default_ehlo_name();

}  // namespace smtpdiag
