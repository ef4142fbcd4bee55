// A string that holds a credential: wiped (OPENSSL_cleanse) when it dies
// or is reassigned, never printed. Used for passwords, tokens and the
// encoded AUTH lines built from them.
#pragma once

#include <openssl/crypto.h>

#include <string>
#include <utility>

namespace smtpdiag {

// Overwrites every byte a string's buffer holds, up to its capacity (a
// shorter value may have followed a longer one), then empties it. Also for
// moved-from strings: a short string moves by copy and leaves its bytes in
// the source's inline buffer.
inline void wipe_string(std::string& s) {
  // The tail is now addressable (and zeroed). Wiping moved-from strings is
  // what this is for.
  s.resize(s.capacity());  // NOLINT(clang-analyzer-cplusplus.Move)
  if (!s.empty()) OPENSSL_cleanse(&s[0], s.size());
  s.clear();
}

class Secret {
 public:
  Secret() = default;
  // Wiping the moved-from parameter is the point: a short value stays in
  // its inline buffer after the move.
  explicit Secret(std::string value) : value_(std::move(value)) {
    wipe_string(value);  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  }
  Secret(const Secret& o) : value_(o.value_) {}
  Secret& operator=(const Secret& o) {
    if (this != &o) {
      wipe();
      value_ = o.value_;
    }
    return *this;
  }
  // Copy, then wipe the source: moving would leave a short value's bytes
  // in the source's inline buffer.
  Secret(Secret&& o) noexcept : value_(o.value_) {  // NOLINT(cert-oop11-cpp,performance-move-constructor-init)
    o.wipe();
  }
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) {
      wipe();
      value_ = o.value_;
      o.wipe();
    }
    return *this;
  }
  ~Secret() { wipe(); }

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  void wipe() { wipe_string(value_); }

 private:
  std::string value_;
};

}  // namespace smtpdiag
