<?php

declare(strict_types=1);

namespace SmtpDiag;

/**
 * The operations through the smtpdiag extension: its arrays, wrapped.
 *
 * @internal
 */
final class NativeBackend implements Backend
{
    public function __construct()
    {
        if (!extension_loaded('smtpdiag')) {
            throw new Exception('the smtpdiag extension is not loaded');
        }
    }

    public function probe(string $host, array $options = []): ProbeResult
    {
        return ProbeResult::fromArray(\smtpdiag_probe($host, $options));
    }

    public function checkCertificate(string $host, int $port, array $options = []): CertificateCheck
    {
        return CertificateCheck::fromArray(\smtpdiag_check_certificate($host, $port, $options));
    }

    public function checkDomain(string $domain, array $options = []): DomainReport
    {
        return DomainReport::fromArray(\smtpdiag_check_domain($domain, $options));
    }

    public function sendTest(#[\SensitiveParameter] array $config, array $message, array $options = []): SendResult
    {
        // @phpstan-ignore argument.type, argument.type (the extension validates the shapes)
        return SendResult::fromArray(\smtpdiag_send_test($config, $message, $options));
    }

    public function diagnose(#[\SensitiveParameter] array $config, array $options = []): Diagnosis
    {
        // @phpstan-ignore argument.type (the extension validates the shape)
        return Diagnosis::fromArray(\smtpdiag_diagnose($config, $options));
    }

    public function diagnoseMany(#[\SensitiveParameter] array $configs, array $options = []): array
    {
        $out = [];
        // @phpstan-ignore argument.type (the extension validates the shape)
        foreach (\smtpdiag_diagnose_many($configs, $options) as $one) {
            $out[] = Diagnosis::fromArray(is_array($one) ? $one : []);
        }
        return $out;
    }
}
