#include "dns/resolver.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace smtpdiag {

const char* dns_status_name(DnsStatus s) {
  switch (s) {
    case DnsStatus::Ok: return "ok";
    case DnsStatus::NxDomain: return "nxdomain";
    case DnsStatus::NoData: return "no_address";
    case DnsStatus::Timeout: return "timeout";
    case DnsStatus::ServFail: return "servfail";
    case DnsStatus::Refused: return "refused";
    case DnsStatus::Unreachable: return "unreachable";
    case DnsStatus::BadName: return "bad_name";
    case DnsStatus::Error: return "error";
    case DnsStatus::Cancelled: return "timeout";
  }
  return "error";
}

DnsStatus dns_status_from_ares(int st) {
  switch (st) {
    case ARES_SUCCESS: return DnsStatus::Ok;
    case ARES_ENOTFOUND: return DnsStatus::NxDomain;
    case ARES_ENODATA: return DnsStatus::NoData;
    case ARES_ETIMEOUT: return DnsStatus::Timeout;
    case ARES_ESERVFAIL: return DnsStatus::ServFail;
    case ARES_EREFUSED: return DnsStatus::Refused;
    case ARES_ECONNREFUSED: return DnsStatus::Unreachable;
    case ARES_EBADNAME: return DnsStatus::BadName;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return DnsStatus::Cancelled;
    default: return DnsStatus::Error;
  }
}

Resolver::Resolver(EventLoop& loop, const ResolverOptions& options) : loop_(loop) {
  ares_options opts{};
  // NOCHECKRESP: a SERVFAIL or REFUSED is the answer we report (dns_error),
  // not a reason to call the server unreachable.
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  opts.flags = ARES_FLAG_NOCHECKRESP;
  opts.sock_state_cb = &Resolver::on_sock_state;
  opts.sock_state_cb_data = this;
  opts.timeout = std::max(100, options.try_timeout_ms);
  opts.tries = std::max(1, options.tries);
  const int rc = ares_init_options(&channel_, &opts, mask);
  if (rc != ARES_SUCCESS) {
    error_ = std::string("c-ares init failed: ") + ares_strerror(rc);
    channel_ = nullptr;
    return;
  }
  if (!options.servers.empty()) {
    std::string csv;
    for (const auto& [addr, port] : options.servers) {
      if (!csv.empty()) csv += ',';
      const std::string a = addr.to_string();
      const uint16_t p = port ? port : 53;
      csv += addr.family == Family::V6 ? "[" + a + "]:" + std::to_string(p)
                                       : a + ":" + std::to_string(p);
    }
    const int src = ares_set_servers_ports_csv(channel_, csv.c_str());
    if (src != ARES_SUCCESS) {
      error_ = std::string("c-ares servers: ") + ares_strerror(src);
      ares_destroy(channel_);
      channel_ = nullptr;
      return;
    }
  }
  hook_ = loop_.add_wait_hook([this] { return before_wait(); });
}

Resolver::~Resolver() {
  if (hook_) loop_.remove_wait_hook(hook_);
  destroying_ = true;
  if (channel_) ares_destroy(channel_);  // runs pending callbacks with EDESTRUCTION
  for (int fd : watched_) loop_.unwatch(fd);
}

int Resolver::before_wait() {
  if (cancel_pending_ && channel_) {
    cancel_pending_ = false;
    ResolverDepth d(this);
    ares_cancel(channel_);
  }
  if (!channel_ || pending_ == 0) return -1;
  // Let c-ares retransmit or time out queries whose timers ran out.
  {
    ResolverDepth d(this);
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  }
  if (pending_ == 0) return 0;  // something finished: re-check done()
  timeval tv{};
  timeval* t = ares_timeout(channel_, nullptr, &tv);
  if (!t) return -1;
  return static_cast<int>(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
}

void Resolver::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<Resolver*>(data);
  if (self->destroying_) return;
  const bool known = std::find(self->watched_.begin(), self->watched_.end(), fd) !=
                     self->watched_.end();
  if (!readable && !writable) {
    if (known) {
      self->loop_.unwatch(fd);
      self->watched_.erase(std::remove(self->watched_.begin(), self->watched_.end(), fd),
                           self->watched_.end());
    }
    return;
  }
  uint32_t ev = 0;
  if (readable) ev |= EPOLLIN;
  if (writable) ev |= EPOLLOUT;
  if (known) {
    self->loop_.modify(fd, ev);
    return;
  }
  self->watched_.push_back(fd);
  self->loop_.watch(fd, ev, [self, fd](uint32_t got) {
    const ares_socket_t r = (got & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? fd : ARES_SOCKET_BAD;
    const ares_socket_t w = (got & EPOLLOUT) ? fd : ARES_SOCKET_BAD;
    ResolverDepth d(self);
    ares_process_fd(self->channel_, r, w);
  });
}

namespace {

struct AddressQuery {
  Resolver::AddressCallback done;
  Family family;
  size_t* pending;
};

void on_host(void* arg, int status, int /*timeouts*/, hostent* host) {
  std::unique_ptr<AddressQuery> q(static_cast<AddressQuery*>(arg));
  --*q->pending;
  std::vector<IpAddress> out;
  if (status == ARES_SUCCESS && host) {
    const int want = q->family == Family::V4 ? AF_INET : AF_INET6;
    if (host->h_addrtype == want) {
      for (char** p = host->h_addr_list; p && *p; ++p) {
        IpAddress a;
        a.family = q->family;
        std::memcpy(a.bytes, *p, q->family == Family::V4 ? 4 : 16);
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
      }
    }
  }
  DnsStatus st = dns_status_from_ares(status);
  if (st == DnsStatus::Ok && out.empty()) st = DnsStatus::NoData;
  q->done(st, std::move(out));
}

struct MxQuery {
  Resolver::MxCallback done;
  size_t* pending;
};

void on_mx(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<MxQuery> q(static_cast<MxQuery*>(arg));
  --*q->pending;
  std::vector<MxRecord> out;
  if (status == ARES_SUCCESS) {
    ares_mx_reply* mx = nullptr;
    status = ares_parse_mx_reply(abuf, alen, &mx);
    for (ares_mx_reply* it = mx; it; it = it->next) out.push_back({it->priority, it->host});
    if (mx) ares_free_data(mx);
  }
  q->done(dns_status_from_ares(status), std::move(out));
}

struct RecordsQuery {
  Resolver::RecordsCallback done;
  RRType type;
  size_t* pending;
};

void on_records(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<RecordsQuery> q(static_cast<RecordsQuery*>(arg));
  --*q->pending;
  DnsRecords out;
  if (status == ARES_SUCCESS) {
    switch (q->type) {
      case RRType::A: {
        ares_addrttl ttls[64];
        int n = 64;
        status = ares_parse_a_reply(abuf, alen, nullptr, ttls, &n);
        for (int i = 0; status == ARES_SUCCESS && i < n; ++i) {
          IpAddress a;
          a.family = Family::V4;
          std::memcpy(a.bytes, &ttls[i].ipaddr, 4);
          out.addresses.push_back(a);
        }
        break;
      }
      case RRType::AAAA: {
        ares_addr6ttl ttls[64];
        int n = 64;
        status = ares_parse_aaaa_reply(abuf, alen, nullptr, ttls, &n);
        for (int i = 0; status == ARES_SUCCESS && i < n; ++i) {
          IpAddress a;
          a.family = Family::V6;
          std::memcpy(a.bytes, &ttls[i].ip6addr, 16);
          out.addresses.push_back(a);
        }
        break;
      }
      case RRType::MX: {
        ares_mx_reply* mx = nullptr;
        status = ares_parse_mx_reply(abuf, alen, &mx);
        for (ares_mx_reply* it = mx; it; it = it->next) out.mx.push_back({it->priority, it->host});
        if (mx) ares_free_data(mx);
        break;
      }
      case RRType::TXT: {
        ares_txt_ext* txt = nullptr;
        status = ares_parse_txt_reply_ext(abuf, alen, &txt);
        for (ares_txt_ext* it = txt; it; it = it->next) {
          if (it->record_start || out.txt.empty()) out.txt.emplace_back();
          // Bounded: a record of more than 64 KiB is an attack, not SPF.
          if (out.txt.back().size() + it->length <= 65535)
            out.txt.back().append(reinterpret_cast<const char*>(it->txt), it->length);
        }
        if (txt) ares_free_data(txt);
        break;
      }
      case RRType::PTR: {
        hostent* host = nullptr;
        // The address is only used to fill hostent; any of the right size works.
        unsigned char dummy[4] = {0, 0, 0, 0};
        status = ares_parse_ptr_reply(abuf, alen, dummy, 4, AF_INET, &host);
        if (status == ARES_SUCCESS && host) {
          if (host->h_name) out.names.push_back(host->h_name);
          for (char** al = host->h_aliases; al && *al; ++al)
            if (std::find(out.names.begin(), out.names.end(), *al) == out.names.end()) out.names.push_back(*al);
        }
        if (host) ares_free_hostent(host);
        break;
      }
    }
  }
  DnsStatus st = dns_status_from_ares(status);
  if (st == DnsStatus::Ok && out.empty()) st = DnsStatus::NoData;
  q->done(st, std::move(out));
}

}  // namespace

const char* rrtype_name(RRType t) {
  switch (t) {
    case RRType::A: return "A";
    case RRType::AAAA: return "AAAA";
    case RRType::MX: return "MX";
    case RRType::TXT: return "TXT";
    case RRType::PTR: return "PTR";
  }
  return "?";
}

std::string reverse_name(const IpAddress& a) {
  std::string out;
  if (a.family == Family::V4) {
    for (int i = 3; i >= 0; --i) out += std::to_string(a.bytes[i]) + ".";
    return out + "in-addr.arpa";
  }
  static const char* hex = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out += hex[a.bytes[i] & 15];
    out += '.';
    out += hex[a.bytes[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

void Resolver::query(const std::string& name, RRType type, RecordsCallback done) {
  if (!channel_) {
    done(DnsStatus::Error, {});
    return;
  }
  int t = ns_t_a;
  switch (type) {
    case RRType::A: t = ns_t_a; break;
    case RRType::AAAA: t = ns_t_aaaa; break;
    case RRType::MX: t = ns_t_mx; break;
    case RRType::TXT: t = ns_t_txt; break;
    case RRType::PTR: t = ns_t_ptr; break;
  }
  ++pending_;
  auto* q = new RecordsQuery{std::move(done), type, &pending_};
  ResolverDepth d(this);
  ares_query(channel_, name.c_str(), ns_c_in, t, &on_records, q);
}

namespace {

bool is_localhost(const std::string& name) {
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n.size() != 9) return false;
  for (char& c : n) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return n == "localhost";
}

}  // namespace

void Resolver::resolve(const std::string& name, Family family, AddressCallback done) {
  // RFC 6761 6.3: "localhost" is the loopback address. Answered here:
  // c-ares 1.18's own fallback for it (a hosts file without "::1
  // localhost") leaks the name on every call (c-ares issue 439, fixed in 1.19).
  if (is_localhost(name)) {
    done(DnsStatus::Ok, {*IpAddress::parse(family == Family::V4 ? "127.0.0.1" : "::1")});
    return;
  }
  if (!channel_) {
    done(DnsStatus::Error, {});
    return;
  }
  ++pending_;
  auto* q = new AddressQuery{std::move(done), family, &pending_};
  ResolverDepth d(this);  // the hosts file answers synchronously
  ares_gethostbyname(channel_, name.c_str(), family == Family::V4 ? AF_INET : AF_INET6,
                     &on_host, q);
}

void Resolver::resolve_mx(const std::string& name, MxCallback done) {
  if (!channel_) {
    done(DnsStatus::Error, {});
    return;
  }
  ++pending_;
  auto* q = new MxQuery{std::move(done), &pending_};
  ResolverDepth d(this);
  ares_query(channel_, name.c_str(), ns_c_in, ns_t_mx, &on_mx, q);
}

void Resolver::cancel() {
  if (!channel_ || pending_ == 0) return;
  if (depth_ > 0) {
    cancel_pending_ = true;  // before_wait() does it on the next loop turn
    return;
  }
  ResolverDepth d(this);
  ares_cancel(channel_);
}

}  // namespace smtpdiag
