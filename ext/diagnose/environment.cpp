#include "diagnose/environment.h"

#include <openssl/x509.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace smtpdiag {

namespace {

std::string read_first_line(const char* path) {
  std::ifstream f(path);
  std::string line;
  if (f && std::getline(f, line)) return line;
  return {};
}

// /sys/fs/selinux/booleans/NAME holds "current pending", e.g. "0 0".
std::string selinux_bool(const std::string& name) {
  const std::string v = read_first_line(("/sys/fs/selinux/booleans/" + name).c_str());
  if (v.empty()) return {};
  return v[0] == '1' ? "on" : "off";
}

}  // namespace

void read_os_environment(EnvironmentInfo* env) {
  env->uid = static_cast<long>(geteuid());
  passwd pw{};
  passwd* result = nullptr;
  char buf[4096];
  if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &result) == 0 && result) env->user = pw.pw_name;
  struct stat st{};
  if (stat("/sys/fs/selinux", &st) != 0) {
    env->selinux = "disabled";
  } else {
    const std::string e = read_first_line("/sys/fs/selinux/enforce");
    env->selinux = e == "1" ? "enforcing" : e == "0" ? "permissive" : "unknown";
    env->httpd_can_network_connect = selinux_bool("httpd_can_network_connect");
    env->httpd_can_sendmail = selinux_bool("httpd_can_sendmail");
  }
  env->default_ca_file = X509_get_default_cert_file();
  env->default_ca_file_exists = stat(env->default_ca_file.c_str(), &st) == 0;
}

}  // namespace smtpdiag
