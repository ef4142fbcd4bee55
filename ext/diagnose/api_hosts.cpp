#include "diagnose/api_hosts.h"

namespace smtpdiag {

const std::vector<ApiHost>& default_api_hosts() {
  static const std::vector<ApiHost> hosts = {
      {"api.sendgrid.com", "SendGrid"},
      {"api.mailgun.net", "Mailgun"},
      {"api.eu.mailgun.net", "Mailgun (EU)"},
      {"api.postmarkapp.com", "Postmark"},
      {"api.sparkpost.com", "SparkPost"},
      {"api.brevo.com", "Brevo"},
      {"api.mailjet.com", "Mailjet"},
      {"email.us-east-1.amazonaws.com", "Amazon SES"},
      {"api.resend.com", "Resend"},
      {"mandrillapp.com", "Mandrill"},
      {"gmail.googleapis.com", "Gmail API"},
      {"graph.microsoft.com", "Microsoft 365 (Graph)"},
  };
  return hosts;
}

}  // namespace smtpdiag
