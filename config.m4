dnl smtpdiag: phpize && ./configure && make builds smtpdiag.so from the Zend
dnl glue in php-bindings/ and the C++ core in ext/ (ext/sources.txt is the one
dnl list of core sources, shared with CMakeLists.txt).

PHP_ARG_ENABLE([smtpdiag],
  [whether to enable smtpdiag],
  [AS_HELP_STRING([--enable-smtpdiag], [Enable the smtpdiag SMTP diagnostics extension])],
  [yes])

if test "$PHP_SMTPDIAG" != "no"; then
  PHP_REQUIRE_CXX()
  PHP_CXX_COMPILE_STDCXX(17, mandatory, PHP_SMTPDIAG_STDCXX)

  PKG_CHECK_MODULES([SMTPDIAG_OPENSSL], [openssl >= 1.1.1])
  PKG_CHECK_MODULES([SMTPDIAG_CARES], [libcares >= 1.16.0])
  PKG_CHECK_MODULES([SMTPDIAG_PSL], [libpsl >= 0.20])
  PHP_EVAL_INCLINE([$SMTPDIAG_OPENSSL_CFLAGS $SMTPDIAG_CARES_CFLAGS $SMTPDIAG_PSL_CFLAGS])
  PHP_EVAL_LIBLINE([$SMTPDIAG_OPENSSL_LIBS $SMTPDIAG_CARES_LIBS $SMTPDIAG_PSL_LIBS], SMTPDIAG_SHARED_LIBADD)
  PHP_ADD_LIBRARY(stdc++, 1, SMTPDIAG_SHARED_LIBADD)

  smtpdiag_src=PHP_EXT_SRCDIR(smtpdiag)
  smtpdiag_core=`sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's|^|ext/|' "$smtpdiag_src/ext/sources.txt" | tr '\n' ' '`
  smtpdiag_glue="php-bindings/smtpdiag.cpp php-bindings/smtpdiag_probe.cpp php-bindings/smtpdiag_check_certificate.cpp php-bindings/smtpdiag_send_test.cpp php-bindings/smtpdiag_check_spf.cpp php-bindings/smtpdiag_check_domain.cpp php-bindings/mail_config.cpp php-bindings/smtpdiag_diagnose.cpp php-bindings/options.cpp php-bindings/convert.cpp"

  PHP_NEW_EXTENSION(smtpdiag, $smtpdiag_glue $smtpdiag_core, $ext_shared,,
    [$PHP_SMTPDIAG_STDCXX -I@ext_srcdir@/ext -I@ext_srcdir@/php-bindings -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers],
    cxx)
  PHP_SUBST(SMTPDIAG_SHARED_LIBADD)
  for d in php-bindings ext ext/util ext/net ext/dns ext/smtp ext/tls ext/probe ext/diagnose; do
    PHP_ADD_BUILD_DIR([$ext_builddir/$d], 1)
  done
fi
