<?php
/**
 * WP-CLI: wp smtpdiag diagnose|probe|cert|domain|send-test|log.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Diagnoses why this site's mail does not go out.
 *
 * Every command prints rows through WP_CLI\Utils\format_items and honours
 * --format=table|json|yaml|csv. diagnose exits 1 when the root cause is
 * critical; send-test exits 1 when the message was not sent.
 */
final class Smtpdiag_Cli {

	/**
	 * Runs the full diagnosis of the site's mail settings, or of other hosts.
	 *
	 * ## OPTIONS
	 *
	 * [<host>...]
	 * : Diagnose these SMTP hosts instead of the site's settings (with --port
	 * and --encryption; no login).
	 *
	 * [--port=<port>]
	 * : Port for <host>. Default: 587.
	 *
	 * [--encryption=<encryption>]
	 * : none, starttls or tls. Default: starttls.
	 *
	 * [--timeout=<seconds>]
	 * : Time limit for each diagnosis.
	 *
	 * [--concurrency=<n>]
	 * : Hosts diagnosed at once. Default: 8.
	 *
	 * [--fields=<fields>]
	 * : Fields to show.
	 *
	 * [--format=<format>]
	 * : table, json, yaml or csv.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 *   - csv
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp smtpdiag diagnose
	 *     wp smtpdiag diagnose smtp.example.com smtp2.example.com --port=465 --encryption=tls --format=json
	 *
	 * @param array $args       Hosts.
	 * @param array $assoc_args Options.
	 */
	public function diagnose( $args, $assoc_args ) {
		$format = \WP_CLI\Utils\get_flag_value( $assoc_args, 'format', 'table' );
		$this->apply_timeout( $assoc_args );

		if ( ! $args ) {
			$record = Smtpdiag_Runner::diagnose( 'cli' );
			if ( null !== $record['error'] && 'not_smtp' !== $record['error'] ) {
				WP_CLI::error( (string) $record['message'] );
			}
			$root = Smtpdiag_Runner::root_finding( $record );
			if ( 'table' === $format ) {
				$settings = $record['settings'];
				WP_CLI::log( sprintf( 'Settings: %s (%s) %s:%s %s', $settings['source_label'], $settings['source'], $settings['host'], $settings['port'], $settings['encryption'] ) );
				if ( '' !== (string) $record['message'] ) {
					WP_CLI::log( (string) $record['message'] );
				}
				WP_CLI::log( null === $root ? 'Root cause: none' : sprintf( 'Root cause: %s (%s): %s', $root['code'], $root['severity'], $root['title'] ) );
				if ( null !== $root && '' !== $root['fix'] ) {
					WP_CLI::log( 'Fix: ' . $root['fix'] );
				}
			}
			$rows = array();
			foreach ( (array) ( $record['result']['findings'] ?? array() ) as $finding ) {
				$rows[] = array(
					'root'     => ( null !== $root && $root['code'] === $finding['code'] ) ? 'yes' : '',
					'code'     => $finding['code'],
					'severity' => $finding['severity'],
					'title'    => $finding['title'],
					'detail'   => $finding['detail'],
					'fix'      => $finding['fix'],
				);
			}
			\WP_CLI\Utils\format_items( $format, $rows, $this->fields( $assoc_args, array( 'root', 'code', 'severity', 'title', 'fix' ) ) );
			if ( null !== $root && 'critical' === $root['severity'] ) {
				WP_CLI::halt( 1 );
			}
			return;
		}

		$configs = array();
		foreach ( $args as $host ) {
			$configs[] = array(
				'host'       => $host,
				'port'       => (int) \WP_CLI\Utils\get_flag_value( $assoc_args, 'port', 587 ),
				'encryption' => (string) \WP_CLI\Utils\get_flag_value( $assoc_args, 'encryption', 'starttls' ),
			);
		}
		$concurrency = max( 1, (int) \WP_CLI\Utils\get_flag_value( $assoc_args, 'concurrency', 8 ) );
		$progress    = ( 'table' === $format && count( $configs ) > 1 ) ? \WP_CLI\Utils\make_progress_bar( 'Diagnosing', count( $configs ) ) : null;
		$rows        = array();
		$critical    = false;
		foreach ( array_chunk( $configs, $concurrency ) as $chunk ) {
			$results = $this->call( 'diagnoseMany', array( $chunk, array_merge( Smtpdiag_Runner::call_options(), array( 'concurrency' => $concurrency ) ) ) );
			foreach ( $chunk as $i => $config ) {
				$result = isset( $results[ $i ] ) ? (array) $results[ $i ] : array();
				$root   = null;
				foreach ( (array) ( $result['findings'] ?? array() ) as $finding ) {
					if ( ( $result['root_cause'] ?? null ) === $finding['code'] ) {
						$root = $finding;
						break;
					}
				}
				$critical = $critical || ( null !== $root && 'critical' === $root['severity'] );
				$rows[]   = array(
					'host'       => $config['host'],
					'port'       => $config['port'],
					'ok'         => empty( $result['ok'] ) ? 'no' : 'yes',
					'root_cause' => $result['root_cause'] ?? '',
					'severity'   => null === $root ? '' : $root['severity'],
					'title'      => null === $root ? '' : $root['title'],
					'fix'        => null === $root ? '' : $root['fix'],
					'elapsed_ms' => $result['elapsed_ms'] ?? '',
				);
				if ( $progress ) {
					$progress->tick();
				}
			}
		}
		if ( $progress ) {
			$progress->finish();
		}
		\WP_CLI\Utils\format_items( $format, $rows, $this->fields( $assoc_args, array( 'host', 'port', 'ok', 'root_cause', 'severity', 'title', 'elapsed_ms' ) ) );
		if ( $critical ) {
			WP_CLI::halt( 1 );
		}
	}

	/**
	 * Probes every SMTP port of one or more hosts on every address.
	 *
	 * ## OPTIONS
	 *
	 * [<host>...]
	 * : Hosts. Default: the site's SMTP host.
	 *
	 * [--ports=<ports>]
	 * : Comma-separated ports. Default: 25,465,587,2525.
	 *
	 * [--timeout=<seconds>]
	 * : Time limit per host.
	 *
	 * [--fields=<fields>]
	 * : Fields to show.
	 *
	 * [--format=<format>]
	 * : table, json, yaml or csv.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 *   - csv
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp smtpdiag probe smtp.example.com --ports=465,587
	 *
	 * @param array $args       Hosts.
	 * @param array $assoc_args Options.
	 */
	public function probe( $args, $assoc_args ) {
		$format = \WP_CLI\Utils\get_flag_value( $assoc_args, 'format', 'table' );
		$this->apply_timeout( $assoc_args );
		$hosts   = $args ? $args : array( $this->site_host() );
		$options = Smtpdiag_Runner::call_options();
		if ( isset( $assoc_args['ports'] ) ) {
			$options['ports'] = array_values( array_filter( array_map( 'intval', explode( ',', (string) $assoc_args['ports'] ) ) ) );
		}
		$progress = ( 'table' === $format && count( $hosts ) > 1 ) ? \WP_CLI\Utils\make_progress_bar( 'Probing', count( $hosts ) ) : null;
		$rows     = array();
		foreach ( $hosts as $host ) {
			$result = $this->call( 'probe', array( $host, $options ) );
			if ( empty( $result['ports'] ) ) {
				$rows[] = array(
					'host'    => $host,
					'port'    => '',
					'address' => '',
					'state'   => 'dns:' . ( $result['dns']['status'] ?? '?' ),
				);
			}
			foreach ( (array) ( $result['ports'] ?? array() ) as $port ) {
				$at     = $port['blocked_at'] ?? null;
				$rows[] = array(
					'host'       => $host,
					'port'       => $port['port'],
					'address'    => $port['address'],
					'state'      => $port['state'],
					'errno'      => (string) ( $port['errno'] ?? '' ),
					'blocked_at' => is_array( $at ) ? ( 'hop ' . $at['hop'] . ( empty( $at['local'] ) ? ' ' . $at['address'] : ' (this host)' ) ) : '',
					'connect_ms' => $port['connect_ms'] ?? '',
					'banner'     => (string) ( $port['smtp']['banner'] ?? '' ),
					'tls'        => isset( $port['tls']['protocol'] ) ? (string) $port['tls']['protocol'] : '',
				);
			}
			if ( $progress ) {
				$progress->tick();
			}
		}
		if ( $progress ) {
			$progress->finish();
		}
		\WP_CLI\Utils\format_items( $format, $rows, $this->fields( $assoc_args, array( 'host', 'port', 'address', 'state', 'errno', 'blocked_at', 'connect_ms', 'banner' ) ) );
	}

	/**
	 * Checks the TLS certificate of the mail server.
	 *
	 * ## OPTIONS
	 *
	 * [<host>]
	 * : Host. Default: the site's SMTP host.
	 *
	 * [--port=<port>]
	 * : Port. Default: the site's port, else 587.
	 *
	 * [--mode=<mode>]
	 * : auto, starttls or implicit.
	 * ---
	 * default: auto
	 * ---
	 *
	 * [--timeout=<seconds>]
	 * : Time limit.
	 *
	 * [--fields=<fields>]
	 * : Fields to show.
	 *
	 * [--format=<format>]
	 * : table, json, yaml or csv.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 *   - csv
	 * ---
	 *
	 * @param array $args       Host.
	 * @param array $assoc_args Options.
	 */
	public function cert( $args, $assoc_args ) {
		$format = \WP_CLI\Utils\get_flag_value( $assoc_args, 'format', 'table' );
		$this->apply_timeout( $assoc_args );
		$site    = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		$host    = $args ? $args[0] : $this->site_host();
		$port    = (int) \WP_CLI\Utils\get_flag_value( $assoc_args, 'port', $site['port'] ? $site['port'] : 587 );
		$options = array_merge( Smtpdiag_Runner::call_options(), array( 'mode' => (string) \WP_CLI\Utils\get_flag_value( $assoc_args, 'mode', 'auto' ) ) );
		$result  = $this->call( 'checkCertificate', array( $host, $port, $options ) );
		$chain   = (array) ( $result['chain'] ?? array() );
		if ( ! $chain && is_array( $result['certificate'] ?? null ) ) {
			$chain = array( $result['certificate'] );
		}
		$rows = array();
		foreach ( $chain as $depth => $cert ) {
			$rows[] = array(
				'depth'     => $depth,
				'subject'   => $cert['subject'] ?? '',
				'issuer'    => $cert['issuer'] ?? '',
				'san'       => implode( ' ', (array) ( $cert['san'] ?? array() ) ),
				'not_after' => $cert['not_after'] ?? '',
				'days_left' => $cert['days_left'] ?? '',
				'key'       => isset( $cert['key']['type'] ) ? $cert['key']['type'] . ' ' . $cert['key']['bits'] : '',
			);
		}
		if ( 'table' === $format ) {
			WP_CLI::log( sprintf( '%s:%d %s %s: %s', $host, $port, (string) ( $result['protocol'] ?? '' ), (string) ( $result['cipher'] ?? '' ), empty( $result['ok'] ) ? 'NOT OK (' . implode( ', ', (array) ( $result['errors'] ?? array() ) ) . ')' : 'ok' ) );
		}
		\WP_CLI\Utils\format_items( $format, $rows, $this->fields( $assoc_args, array( 'depth', 'subject', 'issuer', 'not_after', 'days_left' ) ) );
		if ( empty( $result['ok'] ) ) {
			WP_CLI::halt( 1 );
		}
	}

	/**
	 * Checks the DNS records of the sender domain (MX, SPF, DMARC, DKIM, MTA-STS, PTR).
	 *
	 * ## OPTIONS
	 *
	 * [<domain>]
	 * : Domain. Default: the From address's domain.
	 *
	 * [--show=<what>]
	 * : records or findings.
	 * ---
	 * default: records
	 * options:
	 *   - records
	 *   - findings
	 * ---
	 *
	 * [--timeout=<seconds>]
	 * : Time limit.
	 *
	 * [--format=<format>]
	 * : table, json, yaml or csv.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 *   - csv
	 * ---
	 *
	 * @param array $args       Domain.
	 * @param array $assoc_args Options.
	 */
	public function domain( $args, $assoc_args ) {
		$format = \WP_CLI\Utils\get_flag_value( $assoc_args, 'format', 'table' );
		$this->apply_timeout( $assoc_args );
		$site    = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		$domain  = $args ? $args[0] : Smtpdiag_Redactor::domain_of( $site['from'] );
		$options = Smtpdiag_Runner::call_options();
		if ( ! $args && 'smtp' === $site['mailer'] && '' !== $site['host'] ) {
			$options['relay_host'] = $site['host'];
		}
		if ( '' === $domain ) {
			WP_CLI::error( 'No domain given and the From address has none.' );
		}
		$result = $this->call( 'checkDomain', array( $domain, $options ) );
		if ( 'findings' === \WP_CLI\Utils\get_flag_value( $assoc_args, 'show', 'records' ) ) {
			$rows = array();
			foreach ( (array) ( $result['findings'] ?? array() ) as $finding ) {
				$rows[] = array_intersect_key( $finding, array_flip( array( 'code', 'severity', 'title', 'detail', 'fix' ) ) );
			}
			\WP_CLI\Utils\format_items( $format, $rows, array( 'code', 'severity', 'title', 'detail', 'fix' ) );
			return;
		}
		$mx   = array();
		$dkim = array();
		foreach ( (array) ( $result['mx']['records'] ?? array() ) as $record ) {
			$mx[] = $record['preference'] . ' ' . $record['host'];
		}
		foreach ( (array) ( $result['dkim'] ?? array() ) as $key ) {
			$dkim[] = $key['selector'] . ( empty( $key['found'] ) ? ' (not found)' : '' );
		}
		$rows = array(
			array(
				'record' => 'MX',
				'value'  => implode( ', ', $mx ),
				'result' => (string) ( $result['mx']['status'] ?? '' ),
			),
			array(
				'record' => 'SPF',
				'value'  => (string) ( $result['spf']['record'] ?? '' ),
				'result' => (string) ( $result['spf']['result'] ?? '' ),
			),
			array(
				'record' => 'DMARC',
				'value'  => (string) ( $result['dmarc']['record'] ?? '' ),
				'result' => (string) ( $result['dmarc']['policy'] ?? '' ),
			),
			array(
				'record' => 'DKIM',
				'value'  => implode( ', ', $dkim ),
				'result' => '',
			),
			array(
				'record' => 'MTA-STS',
				'value'  => (string) ( $result['mta_sts']['record'] ?? '' ),
				'result' => (string) ( $result['mta_sts']['mode'] ?? '' ),
			),
			array(
				'record' => 'PTR',
				'value'  => implode( ', ', (array) ( $result['ptr']['names'] ?? array() ) ),
				'result' => (string) ( $result['ptr']['status'] ?? '' ),
			),
		);
		\WP_CLI\Utils\format_items( $format, $rows, array( 'record', 'value', 'result' ) );
	}

	/**
	 * Sends one real test message and prints the transcript.
	 *
	 * ## OPTIONS
	 *
	 * <to>
	 * : Recipient.
	 *
	 * [--via=<via>]
	 * : wp_mail (the site's settings) or direct (the options below).
	 * ---
	 * default: wp_mail
	 * options:
	 *   - wp_mail
	 *   - direct
	 * ---
	 *
	 * [--host=<host>]
	 * : SMTP host for --via=direct.
	 *
	 * [--port=<port>]
	 * : Port for --via=direct. Default: 587.
	 *
	 * [--encryption=<encryption>]
	 * : none, starttls or tls. Default: starttls.
	 *
	 * [--username=<username>]
	 * : Username (the password is read from the SMTPDIAG_PASSWORD environment variable, never from the command line).
	 *
	 * [--from=<from>]
	 * : From address.
	 *
	 * [--format=<format>]
	 * : table, json, yaml or csv.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 *   - csv
	 * ---
	 *
	 * @subcommand send-test
	 *
	 * @param array $args       Recipient.
	 * @param array $assoc_args Options.
	 */
	public function send_test( $args, $assoc_args ) {
		$format = \WP_CLI\Utils\get_flag_value( $assoc_args, 'format', 'table' );
		$to     = sanitize_email( $args[0] );
		if ( ! is_email( $to ) ) {
			WP_CLI::error( 'Give a valid recipient address.' );
		}
		if ( 'direct' === \WP_CLI\Utils\get_flag_value( $assoc_args, 'via', 'wp_mail' ) ) {
			$password = getenv( 'SMTPDIAG_PASSWORD' );
			$username = (string) \WP_CLI\Utils\get_flag_value( $assoc_args, 'username', '' );
			$result   = Smtpdiag_Test_Send::direct(
				array(
					'host'       => (string) \WP_CLI\Utils\get_flag_value( $assoc_args, 'host', '' ),
					'port'       => (int) \WP_CLI\Utils\get_flag_value( $assoc_args, 'port', 587 ),
					'encryption' => (string) \WP_CLI\Utils\get_flag_value( $assoc_args, 'encryption', 'starttls' ),
					'auth'       => '' !== $username,
					'username'   => $username,
					'password'   => false === $password ? '' : $password,
					'from'       => (string) \WP_CLI\Utils\get_flag_value( $assoc_args, 'from', '' ),
				),
				$to
			);
		} else {
			$result = Smtpdiag_Test_Send::via_wp_mail( $to );
		}
		$rows = array();
		foreach ( (array) $result['transcript'] as $line ) {
			$rows[] = array(
				't_ms' => $line['t_ms'],
				'dir'  => $line['dir'],
				'text' => $line['text'],
			);
		}
		\WP_CLI\Utils\format_items( $format, $rows, array( 't_ms', 'dir', 'text' ) );
		$reply = is_array( $result['reply'] ) ? trim( ( $result['reply']['code'] ?? '' ) . ' ' . ( $result['reply']['text'] ?? '' ) ) : '';
		if ( $result['ok'] ) {
			if ( 'table' === $format ) {
				WP_CLI::success( sprintf( 'Sent via %s in %d ms. %s', $result['mode'], $result['elapsed_ms'], $reply ) );
			} else {
				$this->say( $format, sprintf( 'Sent via %s in %d ms. %s', $result['mode'], $result['elapsed_ms'], $reply ) );
			}
			return;
		}
		$root = is_array( $result['diagnosis'] ) ? Smtpdiag_Runner::root_finding( $result['diagnosis'] ) : null;
		WP_CLI::warning( sprintf( 'Not sent: stage %s. %s %s', (string) $result['stage'], $reply, (string) $result['error'] ) );
		if ( null !== $root ) {
			$this->say( $format, sprintf( 'Root cause: %s: %s', $root['code'], $root['title'] ) );
			$this->say( $format, 'Fix: ' . $root['fix'] );
		}
		WP_CLI::halt( 1 );
	}

	/**
	 * Lists the last wp_mail() failures.
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : table, json, yaml or csv.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - yaml
	 *   - csv
	 * ---
	 *
	 * @param array $args       Unused.
	 * @param array $assoc_args Options.
	 */
	public function log( $args, $assoc_args ) {
		$format = \WP_CLI\Utils\get_flag_value( $assoc_args, 'format', 'table' );
		$rows   = array();
		foreach ( Smtpdiag_Store::log() as $entry ) {
			$rows[] = array(
				'time'              => gmdate( 'c', (int) $entry['time'] ),
				'error'             => $entry['error'],
				'recipient_domains' => implode( ', ', (array) $entry['recipient_domains'] ),
				'root_cause'        => (string) ( $entry['diagnosis']['root_cause'] ?? '' ),
				'test'              => empty( $entry['test'] ) ? '' : 'yes',
			);
		}
		\WP_CLI\Utils\format_items( $format, $rows, array( 'time', 'error', 'recipient_domains', 'root_cause', 'test' ) );
	}

	/**
	 * A human line: on STDOUT with --format=table, else on STDERR so that
	 * json/yaml/csv output stays parseable.
	 *
	 * @param string $format  Output format.
	 * @param string $message Line.
	 */
	private function say( $format, $message ) {
		if ( 'table' === $format ) {
			WP_CLI::log( $message );
			return;
		}
		fwrite( STDERR, $message . "\n" ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_read_fwrite -- WP-CLI output stream.
	}

	/**
	 * Calls the library, turning its errors into WP-CLI errors.
	 *
	 * @param string $method Facade method.
	 * @param array  $args   Arguments.
	 * @return array
	 */
	private function call( $method, array $args ) {
		try {
			return Smtpdiag_Library::call( $method, $args );
		} catch ( Smtpdiag_Unavailable $e ) {
			WP_CLI::error( $e->describe() );
		} catch ( ValueError | TypeError $e ) {
			WP_CLI::error( Smtpdiag_Runner::argument_message( $e ) );
		}
	}

	/**
	 * The site's SMTP host, or an error.
	 *
	 * @return string
	 */
	private function site_host() {
		$site = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		if ( 'smtp' !== $site['mailer'] || '' === $site['host'] ) {
			WP_CLI::error( 'This site does not send through an SMTP host; give one.' );
		}
		return $site['host'];
	}

	/**
	 * --timeout overrides the call options for this run.
	 *
	 * @param array $assoc_args Options.
	 */
	private function apply_timeout( array $assoc_args ) {
		if ( isset( $assoc_args['timeout'] ) ) {
			$timeout = (float) $assoc_args['timeout'];
			add_filter(
				'smtpdiag_call_options',
				static function ( $options ) use ( $timeout ) {
					$options['timeout'] = max( 1.0, $timeout );
					return $options;
				}
			);
		}
	}

	/**
	 * The --fields list, or the defaults.
	 *
	 * @param array    $assoc_args Options.
	 * @param string[] $defaults   Default fields.
	 * @return string[]
	 */
	private function fields( array $assoc_args, array $defaults ) {
		if ( empty( $assoc_args['fields'] ) ) {
			return $defaults;
		}
		return array_map( 'trim', explode( ',', (string) $assoc_args['fields'] ) );
	}
}
