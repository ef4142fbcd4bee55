/* Mail settings and message arrays -> core structs (send_test, diagnose). */
#ifndef SMTPDIAG_MAIL_CONFIG_H
#define SMTPDIAG_MAIL_CONFIG_H

#include "php_smtpdiag.h"

#include <cstdint>
#include <string>

#include "smtp/send_session.h"

namespace smtpdiag_php {

/* $config: host, port, encryption, auto_tls, auth, verify_peer,
 * allow_insecure_auth, from (read into `from` when not null). */
bool read_mail_config(uint32_t arg, HashTable *ht, std::string *host, uint16_t *port,
	smtpdiag::SendSessionOptions *session, std::string *from);
/* $message: from, to, subject, body, headers. */
bool read_message(uint32_t arg, HashTable *ht, smtpdiag::MessageSpec *message);

} // namespace smtpdiag_php

#endif
