// Shared DNS answers for mail-authentication checks. Evaluators are pure
// functions over this cache: when an answer is missing they ask for it and
// stop; the runner fetches every asked-for record at once through c-ares
// on the call's loop (each name/type only once), then runs them again.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dns/resolver.h"
#include "net/event_loop.h"

namespace smtpdiag {

struct CachedAnswer {
  DnsStatus status = DnsStatus::Error;
  DnsRecords records;
};

class DnsCache {
 public:
  // The answer, or nullptr when unknown yet (and then it is requested).
  const CachedAnswer* get(const std::string& name, RRType type);
  void put(const std::string& name, RRType type, CachedAnswer answer);
  // Names requested and not yet fetched; clears the list.
  std::vector<std::pair<std::string, RRType>> take_requests();
  size_t size() const { return answers_.size(); }

  static std::string key_name(const std::string& name);  // lower case, no trailing dot

 private:
  std::map<std::pair<std::string, RRType>, CachedAnswer> answers_;
  std::set<std::pair<std::string, RRType>> requested_;
  std::vector<std::pair<std::string, RRType>> queue_;
};

// Thrown by an evaluator when the cache lacks an answer it needs (never
// leaves our own code: caught by DnsTaskRunner).
struct NeedDns {};

class DnsTaskRunner {
 public:
  // A task returns true when finished; it may throw NeedDns.
  using Task = std::function<bool(DnsCache&)>;
  DnsTaskRunner(EventLoop& loop, Resolver& resolver, DnsCache& cache, Deadline deadline)
      : loop_(loop), resolver_(resolver), cache_(cache), deadline_(deadline) {}

  void add(Task task) { tasks_.push_back({std::move(task), false}); }
  // Work outside DNS (an SMTP or HTTPS exchange) that tasks wait for:
  // while any is open the runner keeps waiting; ending one re-runs tasks.
  void external_begin() { ++external_; }
  void external_end() {
    if (external_ > 0) --external_;
    pump();
  }
  // Event-driven: start() runs the tasks and sends what they asked for;
  // each answer (and each external_end()) runs the unfinished ones again.
  void start() { pump(); }
  bool done() const;
  // Unfinished, yet waiting for nothing: cannot progress.
  bool stuck() const { return !done() && in_flight_ == 0 && external_ == 0; }
  // start(), then the loop until done, stuck or the deadline; true when done.
  bool run();
  size_t queries() const { return queries_; }

 private:
  struct Entry {
    Task task;
    bool done;
  };
  EventLoop& loop_;
  Resolver& resolver_;
  DnsCache& cache_;
  Deadline deadline_;
  std::vector<Entry> tasks_;
  size_t in_flight_ = 0;
  size_t queries_ = 0;
  size_t external_ = 0;
  bool pumping_ = false;
  bool again_ = false;
  void pump();
};

}  // namespace smtpdiag
