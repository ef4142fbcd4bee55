<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

use SmtpDiag\Backend;
use SmtpDiag\CertificateCheck;
use SmtpDiag\Diagnosis;
use SmtpDiag\DomainReport;
use SmtpDiag\Engine;
use SmtpDiag\ProbeResult;
use SmtpDiag\SendResult;

/**
 * The pure-PHP mode: the extension's operations with what PHP itself can
 * observe, the same arguments, errors and result shapes, and in every
 * result the list of what it could not see (`unavailable`):
 *
 *   errno            which errno a failed connect ended with (without ext/sockets)
 *   icmp             ICMP type, code and sender: who refused or dropped a connection
 *   hop_location     where on the path a silent drop happens (blocked_at)
 *   dns_rcode        NXDOMAIN from NODATA, a timeout from SERVFAIL
 *   dns_servers      other resolvers than the system's (when the option is given)
 *   dns_deadline     DNS lookups bounded by `timeout` (PHP's resolver has its own)
 *   smtp_redirected  comparing greeting and certificate names across ports
 *   verify_error     OpenSSL's verify code; trust of a chain outside its dates
 *   certificate_followups  a missing intermediate fetched (AIA) to see whether the
 *                    chain would verify, and every old TLS version a server speaks
 *   spf_evaluation   SPF check_host() (record presence only)
 *   dmarc_alignment  DMARC alignment, and the organizational domain (no PSL)
 *   mta_sts_policy   fetching the MTA-STS policy over HTTPS
 *   dnsbl            blocklist lookups
 *   https_reachability  mail providers' HTTPS APIs (diagnose's api_hosts)
 *   concurrency      several diagnoses at once (diagnose_many runs them in turn)
 *
 * @internal
 */
final class PhpBackend implements Backend
{
    private const NET = ['icmp', 'hop_location', 'dns_rcode', 'dns_deadline', 'smtp_redirected'];
    private const DOMAIN = ['spf_evaluation', 'dmarc_alignment', 'mta_sts_policy', 'dnsbl', 'dns_rcode', 'dns_deadline'];

    /**
     * @param list<string> $base
     * @return list<string>
     */
    private static function unavailable(array $base, Net $net): array
    {
        if (!Errno::visible()) {
            $base[] = 'errno';
        }
        if ($net->dnsServers !== []) {
            $base[] = 'dns_servers';
        }
        return array_values(array_unique($base));
    }

    public function probe(string $host, array $options = []): ProbeResult
    {
        $a = new Args('smtpdiag_probe');
        $host = $a->hostArg(1, 'host', $host);
        $a->only(2, 'options', $options, [...Args::COMMON, 'ports', 'implicit_tls_ports', 'tls', 'trace', 'early_verdict']);
        $net = $a->common(2, $options);
        $ports = $a->ports(2, 'options', $options, 'ports', [25, 465, 587, 2525]);
        $implicit = $a->ports(2, 'options', $options, 'implicit_tls_ports', [465], true);
        $tls = $a->boolean(2, 'options', $options, 'tls', true);
        $a->boolean(2, 'options', $options, 'trace', true);
        if (!$a->boolean(2, 'options', $options, 'early_verdict', true)) {
            $net->reach = null;
        }
        $r = Prober::run($host, $net, $ports, $implicit, $tls && extension_loaded('openssl'));
        return ProbeResult::fromArray($r, Engine::Php, self::unavailable(self::NET, $net));
    }

    public function checkCertificate(string $host, int $port, array $options = []): CertificateCheck
    {
        $a = new Args('smtpdiag_check_certificate');
        $host = $a->hostArg(1, 'host', $host);
        if ($port < 1 || $port > 65535) {
            throw $a->valueError(2, 'port', 'must be between 1 and 65535');
        }
        $a->only(3, 'options', $options, [...Args::COMMON, 'mode', 'sni', 'warn_days']);
        $net = $a->common(3, $options);
        $mode = $a->choice(3, 'options', $options, 'mode', 'auto', ['auto', 'starttls', 'implicit']);
        $sni = $a->string(3, 'options', $options, 'sni', null, 253);
        $warn = (int) $a->number(3, 'options', $options, 'warn_days', 14, 0, 3650);
        if ($sni !== null && $sni !== '') {
            [$norm] = Args::host($sni);
            if ($norm === null || filter_var($norm, FILTER_VALIDATE_IP) !== false) {
                throw $a->valueError(3, 'options', 'option "sni" must be a DNS host name (SNI never carries an IP address)');
            }
            $sni = rtrim($norm, '.');
        }
        if (!extension_loaded('openssl')) {
            throw new \SmtpDiag\Exception('smtpdiag_check_certificate(): the PHP mode needs ext/openssl');
        }
        $r = CertChecker::run($host, $port, $net, $mode, $sni, $warn);
        return CertificateCheck::fromArray($r, Engine::Php, self::unavailable(['verify_error', 'icmp', 'dns_rcode', 'dns_deadline', 'certificate_followups'], $net));
    }

    public function checkDomain(string $domain, array $options = []): DomainReport
    {
        $a = new Args('smtpdiag_check_domain');
        $norm = $a->hostArg(1, 'domain', $domain);
        if (filter_var($norm, FILTER_VALIDATE_IP) !== false || !str_contains($norm, '.')) {
            throw $a->valueError(1, 'domain', 'must be a domain name such as example.com');
        }
        $a->only(2, 'options', $options, [...Args::COMMON, 'sending_ip', 'relay_host', 'relay_port', 'mail_from_domain', 'dkim_domain',
            'dkim_selectors', 'dnsbl_zones', 'mta_sts']);
        $net = $a->common(2, $options);
        $ip = $a->string(2, 'options', $options, 'sending_ip', null, 64);
        if ($ip !== null && $ip !== '' && filter_var($ip, FILTER_VALIDATE_IP) === false) {
            throw $a->valueError(2, 'options', 'option "sending_ip" must be an IPv4 or IPv6 address');
        }
        foreach (['relay_host', 'mail_from_domain', 'dkim_domain'] as $k) {
            $v = $a->string(2, 'options', $options, $k, null, 253);
            if ($v !== null && $v !== '' && Args::host($v)[0] === null) {
                throw $a->valueError(2, 'options', sprintf('option "%s" %s', $k, (string) Args::host($v)[1]));
            }
        }
        $a->number(2, 'options', $options, 'relay_port', 587, 1, 65535);
        $selectors = $a->stringList(2, 'options', $options, 'dkim_selectors', 32) ?? [];
        foreach ($selectors as $s) {
            if ($s === '' || Args::host($s)[0] === null) {
                throw $a->valueError(2, 'options', "option \"dkim_selectors\" must contain selector names (letters, digits, '-', '.')");
            }
        }
        foreach ($a->stringList(2, 'options', $options, 'dnsbl_zones', 16) ?? [] as $z) {
            if (Args::host($z)[0] === null || !str_contains($z, '.')) {
                throw $a->valueError(2, 'options', 'option "dnsbl_zones" must contain zone names such as zen.spamhaus.org');
            }
        }
        $a->boolean(2, 'options', $options, 'mta_sts', true);
        $dkimDomain = (string) $a->string(2, 'options', $options, 'dkim_domain', '', 253);
        $unavailable = self::DOMAIN;
        if (($options['relay_host'] ?? null) !== null) {
            $unavailable[] = 'relay_addresses';
        }
        $r = DomainChecker::run($norm, $net, $ip === '' ? null : $ip, $dkimDomain, $selectors);
        return DomainReport::fromArray($r, Engine::Php, self::unavailable($unavailable, $net));
    }

    public function sendTest(#[\SensitiveParameter] array $config, array $message, array $options = []): SendResult
    {
        $a = new Args('smtpdiag_send_test');
        $c = $a->mailConfig(1, 'config', $config);
        $m = $a->message(2, 'message', $message);
        $a->only(3, 'options', $options, [...Args::COMMON, 'phase_timeout']);
        $net = $a->common(3, $options);
        $phase = $a->number(3, 'options', $options, 'phase_timeout', 0, 0.001, 3600);
        return SendResult::fromArray(Sender::run($c, $m, $net, $phase), Engine::Php, self::unavailable(['dns_rcode', 'dns_deadline'], $net));
    }

    public function diagnose(#[\SensitiveParameter] array $config, array $options = []): Diagnosis
    {
        [$c, $net, $send, $warn, $check, $sel] = $this->diagnoseArgs('smtpdiag_diagnose', $config, $options, false);
        return Diagnosis::fromArray(Diagnoser::run($c, $net, $send, $warn, $check, $sel), Engine::Php,
            self::unavailable([...self::NET, 'verify_error', ...self::DOMAIN, 'https_reachability'], $net));
    }

    public function diagnoseMany(#[\SensitiveParameter] array $configs, array $options = []): array
    {
        $a = new Args('smtpdiag_diagnose_many');
        if (count($configs) > 10000) {
            throw $a->valueError(1, 'configs', 'must hold at most 10000 configurations');
        }
        $parsed = [];
        foreach ($configs as $one) {
            if (!is_array($one)) {
                throw $a->typeError(1, 'configs', sprintf('must contain only arrays, %s given', Args::typeName($one)));
            }
            $parsed[] = $this->diagnoseArgs('smtpdiag_diagnose_many', $one, $options, true);
        }
        $out = [];
        foreach ($parsed as [$c, $net, $send, $warn, $check, $sel]) {
            $out[] = Diagnosis::fromArray(Diagnoser::run($c, $net, $send, $warn, $check, $sel), Engine::Php,
                self::unavailable([...self::NET, 'verify_error', ...self::DOMAIN, 'https_reachability', 'concurrency'], $net));
        }
        return $out;
    }

    /**
     * @param array<array-key, mixed> $config
     * @param array<string, mixed> $options
     * @return array{MailConfig, Net, ?array{from: string, to: list<string>, subject: string, body: string, headers: array<string, string>}, int, bool, list<string>}
     */
    private function diagnoseArgs(string $fn, #[\SensitiveParameter] array $config, array $options, bool $many): array
    {
        $a = new Args($fn);
        $c = $a->mailConfig(1, $many ? 'configs' : 'config', $config);
        $keys = [...Args::COMMON, 'send', 'api_hosts', 'warn_days', 'dkim_selectors', 'check_domain', 'early_verdict'];
        $a->only(2, 'options', $options, $many ? [...$keys, 'concurrency'] : $keys);
        $net = $a->common(2, $options);
        $api = $a->stringList(2, 'options', $options, 'api_hosts', 32);
        $warn = (int) $a->number(2, 'options', $options, 'warn_days', 14, 0, 3650);
        $sel = $a->stringList(2, 'options', $options, 'dkim_selectors', 32) ?? [];
        $check = $a->boolean(2, 'options', $options, 'check_domain', true);
        if (!$a->boolean(2, 'options', $options, 'early_verdict', true)) {
            $net->reach = null;
        }
        if ($many) {
            $a->number(2, 'options', $options, 'concurrency', 32, 1, 256);
        }
        foreach ($api ?? [] as $h) {
            if (Args::host($h)[0] === null) {
                throw $a->valueError(2, 'options', 'option "api_hosts" must contain host names');
            }
        }
        $send = null;
        $s = $options['send'] ?? null;
        if ($s !== null) {
            if (!is_array($s)) {
                throw $a->typeError(2, 'options', sprintf('option "send" must be of type ?array, %s given', Args::typeName($s)));
            }
            $send = $a->message(2, 'options', $s);
        }
        return [$c, $net, $send, $warn, $check, $sel];
    }
}
