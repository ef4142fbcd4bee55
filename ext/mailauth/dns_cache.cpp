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

bool DnsTaskRunner::run() {
  for (;;) {
    bool all_done = true;
    for (Entry& e : tasks_) {
      if (e.done) continue;
      try {
        e.done = e.task(cache_);
      } catch (const NeedDns&) {
        e.done = false;
      }
      all_done = all_done && e.done;
    }
    if (all_done) return true;
    for (auto& [name, type] : cache_.take_requests()) {
      ++in_flight_;
      ++queries_;
      const std::string n = name;
      const RRType t = type;
      resolver_.query(n, t, [this, n, t](DnsStatus st, DnsRecords recs) {
        --in_flight_;
        cache_.put(n, t, CachedAnswer{st, std::move(recs)});
      });
    }
    // Unfinished tasks that wait for nothing cannot progress.
    if (in_flight_ == 0 && external_ == 0) return false;
    // Wait until at least one answer or external result arrives.
    const size_t before = in_flight_;
    const size_t ext_before = external_done_;
    if (!loop_.run(deadline_, [&] { return in_flight_ < before || external_done_ != ext_before; }))
      return false;
  }
}

}  // namespace smtpdiag
