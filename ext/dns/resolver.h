// c-ares driven by our event loop (c-ares 1.18 API: sock-state callback,
// ares_timeout, ares_process_fd), so DNS shares the one loop and the one
// deadline with every socket of the call.
#pragma once

#include <ares.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "net/address.h"
#include "net/event_loop.h"

namespace smtpdiag {

enum class DnsStatus { Ok, NxDomain, NoData, Timeout, ServFail, Refused, Unreachable, BadName, Error, Cancelled };

const char* dns_status_name(DnsStatus s);
DnsStatus dns_status_from_ares(int ares_status);

struct ResolverOptions {
  std::vector<std::pair<IpAddress, uint16_t>> servers;  // empty: resolv.conf
  int try_timeout_ms = 1500;
  int tries = 2;
};

struct MxRecord {
  int preference = 0;
  std::string host;
};

enum class RRType { A, AAAA, MX, TXT, PTR };
const char* rrtype_name(RRType t);

// The answer to one query, whatever its type.
struct DnsRecords {
  std::vector<IpAddress> addresses;  // A / AAAA
  std::vector<MxRecord> mx;
  std::vector<std::string> txt;      // one string per record, its pieces joined
  std::vector<std::string> names;    // PTR
  bool empty() const { return addresses.empty() && mx.empty() && txt.empty() && names.empty(); }
};

// The reverse-lookup name of an address ("4.3.2.1.in-addr.arpa", nibbles for IPv6).
std::string reverse_name(const IpAddress& a);

class Resolver {
 public:
  using AddressCallback = std::function<void(DnsStatus, std::vector<IpAddress>)>;
  using MxCallback = std::function<void(DnsStatus, std::vector<MxRecord>)>;

  Resolver(EventLoop& loop, const ResolverOptions& options);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  bool ok() const { return channel_ != nullptr; }
  const std::string& error() const { return error_; }

  // A or AAAA of `name` (the hosts file first, as the system resolver does).
  void resolve(const std::string& name, Family family, AddressCallback done);
  void resolve_mx(const std::string& name, MxCallback done);
  // One DNS query (no hosts file, no search list): what mail authentication
  // needs. PTR takes the reverse name (see reverse_name()).
  using RecordsCallback = std::function<void(DnsStatus, DnsRecords)>;
  void query(const std::string& name, RRType type, RecordsCallback done);

  // Ends every query; their callbacks see Cancelled. Called from inside a
  // c-ares callback it is deferred to the next loop turn (ares_cancel()
  // there would free the query c-ares is still finishing).
  void cancel();
  size_t pending() const { return pending_; }

 private:
  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  int before_wait();

  EventLoop& loop_;
  ares_channel channel_ = nullptr;
  std::string error_;
  size_t pending_ = 0;
  bool destroying_ = false;
  std::vector<int> watched_;
  EventLoop::HookId hook_ = 0;
  int depth_ = 0;               // > 0 while c-ares may call us back
  bool cancel_pending_ = false;
  friend struct ResolverDepth;
};

// Marks "inside c-ares" for the lifetime of the guard.
struct ResolverDepth {
  explicit ResolverDepth(Resolver* r) : r_(r) { ++r_->depth_; }
  ~ResolverDepth() { --r_->depth_; }
  Resolver* r_;
};

}  // namespace smtpdiag
