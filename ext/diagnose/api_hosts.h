// The HTTPS API endpoints of the major mail providers, in one place: the
// way round blocked SMTP ports (overridable with the api_hosts option).
#pragma once

#include <string>
#include <vector>

namespace smtpdiag {

struct ApiHost {
  const char* host;
  const char* provider;
};

const std::vector<ApiHost>& default_api_hosts();

}  // namespace smtpdiag
