<?php

declare(strict_types=1);

namespace SmtpDiag;

/**
 * The smtpdiag operations as methods, with typed results.
 *
 *     $d = new SmtpDiag\Diagnostics();            // the extension when loaded, else pure PHP
 *     $r = $d->diagnose(['host' => 'smtp.example.com', 'port' => 587, 'from' => 'me@example.com']);
 *     echo $r->rootCause, ': ', $r->rootCauseFinding()?->fix;
 *
 * Arguments, options and errors are the extension's functions' (see
 * DESIGN.md's PHP API); every result says which engine answered and what
 * it could not see (`engine`, `unavailable`).
 */
final class Diagnostics
{
    private readonly Backend $backend;
    public readonly Engine $engine;

    /**
     * @param Engine|null $engine null: the extension when it is loaded, else the pure-PHP mode.
     *        Engine::Native without the extension throws SmtpDiag\Exception.
     */
    public function __construct(?Engine $engine = null)
    {
        $this->engine = $engine ?? (self::nativeAvailable() ? Engine::Native : Engine::Php);
        $this->backend = $this->engine === Engine::Native ? new NativeBackend() : new Php\PhpBackend();
    }

    public static function nativeAvailable(): bool
    {
        return extension_loaded('smtpdiag');
    }

    /**
     * @param array<string, mixed> $options
     * @throws \ValueError|\TypeError bad arguments, before any I/O
     * @throws Exception an internal failure (never a network outcome)
     */
    public function probe(string $host, array $options = []): ProbeResult
    {
        return $this->backend->probe($host, $options);
    }

    /**
     * @param array<string, mixed> $options
     * @throws \ValueError|\TypeError bad arguments, before any I/O
     * @throws Exception an internal failure (never a network outcome)
     */
    public function checkCertificate(string $host, int $port, array $options = []): CertificateCheck
    {
        return $this->backend->checkCertificate($host, $port, $options);
    }

    /**
     * @param array<string, mixed> $options
     * @throws \ValueError|\TypeError bad arguments, before any I/O
     * @throws Exception an internal failure (never a network outcome)
     */
    public function checkDomain(string $domain, array $options = []): DomainReport
    {
        return $this->backend->checkDomain($domain, $options);
    }

    /**
     * @param array<string, mixed> $config
     * @param array<string, mixed> $message
     * @param array<string, mixed> $options
     * @throws \ValueError|\TypeError bad arguments, before any I/O
     * @throws Exception an internal failure (never a network outcome)
     */
    public function sendTest(#[\SensitiveParameter] array $config, array $message, array $options = []): SendResult
    {
        return $this->backend->sendTest($config, $message, $options);
    }

    /**
     * @param array<string, mixed> $config
     * @param array<string, mixed> $options
     * @throws \ValueError|\TypeError bad arguments, before any I/O
     * @throws Exception an internal failure (never a network outcome)
     */
    public function diagnose(#[\SensitiveParameter] array $config, array $options = []): Diagnosis
    {
        return $this->backend->diagnose($config, $options);
    }

    /**
     * @param array<array-key, mixed> $configs
     * @param array<string, mixed> $options
     * @return list<Diagnosis> in input order
     * @throws \ValueError|\TypeError bad arguments, before any I/O
     * @throws Exception an internal failure (never a network outcome)
     */
    public function diagnoseMany(#[\SensitiveParameter] array $configs, array $options = []): array
    {
        return $this->backend->diagnoseMany($configs, $options);
    }
}
