#include "tls/certificate_check.h"

#include "tls/certificate_followup.h"

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace smtpdiag {

namespace {

void add(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

bool weak_key(X509* x) {
  EVP_PKEY* k = X509_get0_pubkey(x);
  if (!k) return false;
  const int id = EVP_PKEY_get_base_id(k);
  const int bits = EVP_PKEY_get_bits(k);
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_DSA || id == EVP_PKEY_DH) return bits < 2048;
  if (id == EVP_PKEY_EC) return bits < 224;
  return false;
}

bool weak_signature(X509* x) {
  int md = 0, pk = 0, secbits = 0;
  uint32_t flags = 0;
  if (X509_get_signature_info(x, &md, &pk, &secbits, &flags) != 1) return false;
  return md == NID_sha1 || md == NID_md5 || md == NID_md5_sha1 || md == NID_md4;
}

bool protocol_below_12(const std::string& p) { return p == "TLSv1" || p == "TLSv1.1" || p == "SSLv3"; }

}  // namespace

ChainJudgement judge_chain(const std::vector<X509Ptr>& chain, const std::string& host,
                           const std::string& protocol, int warn_days,
                           const VerifyStore& php_store, time_t now) {
  ChainJudgement j;
  if (chain.empty()) return j;
  X509* leaf = chain[0].get();
  j.covered_names = covered_names(leaf);
  VerifyStore system_store;  // OpenSSL's defaults (honours SSL_CERT_FILE/SSL_CERT_DIR)
  system_store.cache = php_store.cache;
  j.system = verify_chain(chain, host, system_store, now);
  VerifyStore php = php_store;
  php.auth_level = default_security_level(php_store.cache);
  j.php = verify_chain(chain, host, php, now);

  for (const auto& c : chain) {
    const int before = X509_cmp_time(X509_get0_notBefore(c.get()), &now);
    const int after = X509_cmp_time(X509_get0_notAfter(c.get()), &now);
    if (after < 0) add(j.errors, "expired");
    if (before > 0) add(j.errors, "not_yet_valid");
  }
  {
    const CertificateInfo info = inspect_certificate(leaf, now);
    if (info.days_left >= 0 && info.days_left < warn_days &&
        std::find(j.errors.begin(), j.errors.end(), "expired") == j.errors.end())
      add(j.errors, "expiring_soon");
  }
  if (!j.system.name_matched) add(j.errors, "hostname_mismatch");

  // Trust is judged by the store PHP uses when that one accepts the chain
  // (a private CA added to PHP's bundle is fine for PHPMailer).
  const long code = (j.system.chain_ok || j.php.chain_ok) ? X509_V_OK : j.system.code;
  const bool leaf_self_issued =
      X509_NAME_cmp(X509_get_subject_name(leaf), X509_get_issuer_name(leaf)) == 0;
  switch (code) {
    case X509_V_OK:
      break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      add(j.errors, "self_signed");
      break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      add(j.errors, "untrusted");
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      if (leaf_self_issued && chain.size() == 1) add(j.errors, "self_signed");
      else if (chain.size() == 1) add(j.errors, "incomplete_chain");
      else add(j.errors, "untrusted");
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      break;  // said above, per certificate
    default:
      add(j.errors, "untrusted");
  }
  for (size_t i = 0; i < chain.size(); ++i) {
    if (weak_key(chain[i].get())) add(j.errors, "weak_key");
    // A self-signed root's own signature is never checked: only flag the
    // signatures that verification relies on.
    const bool root = X509_NAME_cmp(X509_get_subject_name(chain[i].get()),
                                    X509_get_issuer_name(chain[i].get())) == 0;
    if (!(root && i > 0) && weak_signature(chain[i].get())) add(j.errors, "weak_signature");
  }
  if (protocol_below_12(protocol)) add(j.errors, "protocol_mismatch");
  // The chain is sound for the system but PHP's bundle cannot build it:
  // PHP's CA bundle is the problem, not the server.
  if (j.system.chain_ok && !j.php.chain_ok &&
      (j.php.code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
       j.php.code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
       j.php.code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
       j.php.code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
       j.php.code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT))
    add(j.errors, "ca_bundle_stale");
  // PHP streams (PHPMailer) verify peer and name against PHP's CA at the
  // default security level, which also refuses TLS < 1.2.
  j.php_accepts = j.php.verified && !(php.auth_level >= 1 && protocol_below_12(protocol));
  return j;
}

CertificateReport run_certificate_check(const CertificateCheckConfig& cfg) {
  const Deadline deadline = Deadline::after(cfg.probe.timeout);
  CertificateReport rep;
  ProbeConfig pc = cfg.probe;
  pc.ports = {cfg.port};
  pc.trace = true;
  pc.tls = true;
  std::string mode = cfg.mode;
  // DESIGN: auto is STARTTLS on the submission/relay ports, else implicit.
  if (mode == "auto")
    mode = (cfg.port == 25 || cfg.port == 587 || cfg.port == 2525) ? "starttls" : "implicit";
  rep.mode = mode;
  pc.implicit_tls_ports = mode == "implicit" ? std::vector<uint16_t>{cfg.port} : std::vector<uint16_t>{};
  if (cfg.sni) pc.sni = cfg.sni;
  rep.probe = run_probe(pc);
  rep.php_ca = ca_store_name(cfg.php_ca_file, cfg.php_ca_path);

  const PortResult* chosen = nullptr;
  for (const auto& p : rep.probe.ports)
    if (p.tls && p.tls->ok && !p.tls->chain.empty()) { chosen = &p; break; }
  if (!chosen) {
    for (const auto& p : rep.probe.ports) {
      if (p.tls && !p.tls->error.empty()) { rep.error = p.tls->error; rep.address = p.address.to_string(); break; }
      if (p.smtp && !p.smtp->error.empty() && rep.error.empty()) { rep.error = p.smtp->error; rep.address = p.address.to_string(); }
      if (p.smtp && p.smtp->ehlo && !p.smtp->starttls_offered && mode == "starttls" && rep.error.empty())
        rep.error = "the server does not offer STARTTLS";
    }
    if (rep.error.empty() && !rep.probe.ports.empty())
      rep.error = std::string("port ") + std::to_string(cfg.port) + " is " + port_state_name(rep.probe.ports[0].state);
    if (rep.error.empty()) rep.error = rep.probe.dns.error.empty() ? "no address" : rep.probe.dns.error;
    rep.findings = rep.probe.findings;
    return rep;
  }
  fill_certificate_report(*chosen, cfg, &rep);
  // What the handshake alone cannot tell, in the time that is left.
  run_certificate_followup(*chosen, cfg, deadline, &rep);
  return rep;
}

std::string ca_store_name(const std::string& ca_file, const std::string& ca_path) {
  if (!ca_file.empty()) return ca_file;
  if (!ca_path.empty()) return ca_path;
  return std::string("OpenSSL default (") + X509_get_default_cert_file() + ")";
}

void fill_certificate_report(const PortResult& chosen, const CertificateCheckConfig& cfg, CertificateReport* out) {
  CertificateReport& rep = *out;
  rep.php_ca = ca_store_name(cfg.php_ca_file, cfg.php_ca_path);
  if (rep.mode.empty() && chosen.tls) rep.mode = chosen.tls->mode;
  rep.connected = true;
  rep.address = chosen.address.to_string();
  rep.protocol = chosen.tls->protocol;
  rep.cipher = chosen.tls->cipher;
  const time_t now = time(nullptr);
  for (const auto& x : chosen.tls->chain) rep.chain.push_back(inspect_certificate(x.get(), now));
  if (chosen.smtp) {
    const std::string& b = chosen.smtp->banner;
    rep.greeting_name = b.substr(0, b.find(' '));
  }
  VerifyStore php_store;
  php_store.ca_file = cfg.php_ca_file;
  php_store.ca_path = cfg.php_ca_path;
  php_store.cache = cfg.probe.trust;
  ChainJudgement j = judge_chain(chosen.tls->chain, cfg.probe.host, rep.protocol, cfg.warn_days, php_store, now);
  rep.errors = j.errors;
  rep.covered_names = j.covered_names;
  rep.system = j.system;
  rep.php = j.php;
  rep.php_accepts = j.php_accepts;
  rep.ok = j.php_accepts && std::none_of(rep.errors.begin(), rep.errors.end(), [](const std::string& e) {
    return e != "expiring_soon";
  });
  rep.findings = certificate_findings(rep, cfg);
}

}  // namespace smtpdiag
