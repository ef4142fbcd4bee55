// Fuzzes DKIM key record parsing (ext/mailauth/dkim, RFC 6376 3.6.1): tags,
// base64 of p= and the DER public key inside it.
//
// Input: the TXT record as published. With the first byte '@' the rest is
// taken as raw DER and wrapped into "v=DKIM1; p=<base64>" so that the key
// parser (d2i_PUBKEY / d2i_PublicKey) is reached directly.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mailauth/dkim.h"
#include "smtp/sasl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  if (!text.empty() && text[0] == '@') text = "v=DKIM1; k=rsa; p=" + smtpdiag::base64_encode(text.substr(1));
  const smtpdiag::DkimKey k = smtpdiag::parse_dkim(text);
  if (!k.valid && k.error.empty()) std::abort();
  return 0;
}
