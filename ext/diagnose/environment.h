// What this host's PHP environment contributes to a diagnosis: the parts
// only PHP knows (filled by the bindings) and the parts the OS tells
// (user, SELinux), read here.
#pragma once

#include <string>
#include <vector>

namespace smtpdiag {

struct EnvironmentInfo {
  // From PHP (php-bindings fills these).
  std::string php_version;
  std::string sapi;
  std::vector<std::string> disabled_functions;  // the ones that matter for mail
  bool openssl_loaded = true;
  std::string php_ca_file;   // openssl.cafile
  std::string php_ca_path;   // openssl.capath
  // From the OS (read_os_environment()).
  std::string user;
  long uid = -1;
  std::string selinux;                  // enforcing | permissive | disabled | unknown
  std::string httpd_can_network_connect;  // on | off | "" when unknown
  std::string httpd_can_sendmail;
  std::string default_ca_file;          // OpenSSL's compiled-in default
  bool default_ca_file_exists = false;
};

void read_os_environment(EnvironmentInfo* env);

}  // namespace smtpdiag
