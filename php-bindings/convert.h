/* Core result structs -> PHP arrays, in the shapes DESIGN.md promises. */
#ifndef SMTPDIAG_CONVERT_H
#define SMTPDIAG_CONVERT_H

#include "php_smtpdiag.h"

#include <vector>

#include "diagnose/finding.h"
#include "probe/probe.h"
#include "diagnose/diagnose.h"
#include "mailauth/domain_check.h"
#include "smtp/send_test.h"
#include "tls/certificate_check.h"

namespace smtpdiag_php {

void findings_to_zval(const std::vector<smtpdiag::Finding> &findings, zval *out);
void probe_result_to_zval(const smtpdiag::ProbeResult &result, zval *out);
void certificate_info_to_zval(const smtpdiag::CertificateInfo &info, zval *out);
void certificate_report_to_zval(const smtpdiag::CertificateReport &report, zval *out);
void send_result_to_zval(const smtpdiag::SendResult &result, zval *out);
void domain_report_to_zval(const smtpdiag::DomainReport &report, zval *out);
void diagnose_result_to_zval(const smtpdiag::DiagnoseResult &result, zval *out);

} // namespace smtpdiag_php

#endif
