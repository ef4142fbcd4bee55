// A string that holds a credential: wiped (OPENSSL_cleanse) when it dies
// or is reassigned, never printed. Used for passwords, tokens and the
// encoded AUTH lines built from them.
#pragma once

#include <openssl/crypto.h>

#include <string>
#include <utility>

namespace smtpdiag {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret& o) : value_(o.value_) {}
  Secret& operator=(const Secret& o) {
    if (this != &o) {
      wipe();
      value_ = o.value_;
    }
    return *this;
  }
  Secret(Secret&& o) noexcept : value_(std::move(o.value_)) { o.wipe(); }
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) {
      wipe();
      value_ = std::move(o.value_);
      o.wipe();
    }
    return *this;
  }
  ~Secret() { wipe(); }

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  void wipe() {
    if (!value_.empty()) OPENSSL_cleanse(&value_[0], value_.size());
    value_.clear();
  }

 private:
  std::string value_;
};

}  // namespace smtpdiag
