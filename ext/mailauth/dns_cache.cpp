#include "mailauth/dns_cache.h"

#include <cctype>

namespace smtpdiag {

std::string DnsCache::key_name(const std::string& name) {
  std::string k = name;
  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!k.empty() && k.back() == '.') k.pop_back();
  return k;
}

const CachedAnswer* DnsCache::get(const std::string& name, RRType type) {
  auto key = std::make_pair(key_name(name), type);
  auto it = answers_.find(key);
  if (it != answers_.end()) return &it->second;
  if (requested_.insert(key).second) queue_.push_back(key);
  return nullptr;
}

void DnsCache::put(const std::string& name, RRType type, CachedAnswer answer) {
  answers_[std::make_pair(key_name(name), type)] = std::move(answer);
}

std::vector<std::pair<std::string, RRType>> DnsCache::take_requests() {
  std::vector<std::pair<std::string, RRType>> out;
  out.swap(queue_);
  return out;
}

bool DnsTaskRunner::done() const {
  for (const Entry& e : tasks_)
    if (!e.done) return false;
  return true;
}

void DnsTaskRunner::pump() {
  // Answers can arrive while we run (a synchronous c-ares failure): run
  // again after the current pass instead of recursing.
  if (pumping_) {
    again_ = true;
    return;
  }
  pumping_ = true;
  do {
    again_ = false;
    for (Entry& e : tasks_) {
      if (e.done) continue;
      try {
        e.done = e.task(cache_);
      } catch (const NeedDns&) {
        e.done = false;
      }
    }
    for (auto& [name, type] : cache_.take_requests()) {
      ++in_flight_;
      ++queries_;
      const std::string n = name;
      const RRType t = type;
      resolver_.query(n, t, [this, n, t](DnsStatus st, DnsRecords recs) {
        --in_flight_;
        cache_.put(n, t, CachedAnswer{st, std::move(recs)});
        pump();
      });
    }
  } while (again_);
  pumping_ = false;
}

bool DnsTaskRunner::run() {
  start();
  loop_.run(deadline_, [&] { return done() || stuck(); });
  return done();
}

}  // namespace smtpdiag
