<?php

declare(strict_types=1);

namespace SmtpDiag;

/**
 * One implementation of the operations: the extension (NativeBackend) or
 * the pure-PHP mode (Php\PhpBackend). Arguments and errors as the
 * extension's functions.
 *
 * @internal
 */
interface Backend
{
    /** @param array<string, mixed> $options */
    public function probe(string $host, array $options = []): ProbeResult;

    /** @param array<string, mixed> $options */
    public function checkCertificate(string $host, int $port, array $options = []): CertificateCheck;

    /** @param array<string, mixed> $options */
    public function checkDomain(string $domain, array $options = []): DomainReport;

    /**
     * @param array<string, mixed> $config
     * @param array<string, mixed> $message
     * @param array<string, mixed> $options
     */
    public function sendTest(array $config, array $message, array $options = []): SendResult;

    /**
     * @param array<string, mixed> $config
     * @param array<string, mixed> $options
     */
    public function diagnose(array $config, array $options = []): Diagnosis;

    /**
     * @param array<array-key, mixed> $configs
     * @param array<string, mixed> $options
     * @return list<Diagnosis>
     */
    public function diagnoseMany(array $configs, array $options = []): array;
}
