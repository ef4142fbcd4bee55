<?php
/**
 * Site Health: direct and async tests, and the debug information section.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Site Health output. Direct tests only read local facts (engine, PHP
 * functions, CA bundle); the network checks are async tests over REST so the
 * Site Health screen never waits on a black-holed port.
 */
final class Smtpdiag_Site_Health {

	/**
	 * Registers the filters.
	 */
	public static function register() {
		add_filter( 'site_status_tests', array( __CLASS__, 'tests' ) );
		add_filter( 'debug_information', array( __CLASS__, 'debug_information' ) );
	}

	/**
	 * Adds the tests.
	 *
	 * @param array $tests Site Health tests.
	 * @return array
	 */
	public static function tests( $tests ) {
		$tests['direct']['smtpdiag_engine']        = array(
			'label' => __( 'SMTP Diagnostics engine', 'smtpdiag' ),
			'test'  => array( __CLASS__, 'test_engine' ),
		);
		$tests['direct']['smtpdiag_php_functions'] = array(
			'label' => __( 'PHP functions mail needs', 'smtpdiag' ),
			'test'  => array( __CLASS__, 'test_php_functions' ),
		);
		$tests['direct']['smtpdiag_ca_bundle']     = array(
			'label' => __( 'CA bundle PHP verifies mail servers with', 'smtpdiag' ),
			'test'  => array( __CLASS__, 'test_ca_bundle' ),
		);
		foreach ( array( 'diagnose', 'certificate', 'domain' ) as $test ) {
			$tests['async'][ 'smtpdiag_' . $test ] = array(
				'label'             => self::async_label( $test ),
				'test'              => rest_url( Smtpdiag_Rest::NAMESPACE_V1 . '/site-health/' . $test ),
				'has_rest'          => true,
				'async_direct_test' => array( __CLASS__, 'test_' . $test ),
			);
		}
		return $tests;
	}

	/**
	 * Label of an async test.
	 *
	 * @param string $test diagnose|certificate|domain.
	 * @return string
	 */
	private static function async_label( $test ) {
		$labels = array(
			'diagnose'    => __( 'Outgoing mail', 'smtpdiag' ),
			'certificate' => __( 'Mail server certificate', 'smtpdiag' ),
			'domain'      => __( 'Sender domain records', 'smtpdiag' ),
		);
		return $labels[ $test ];
	}

	/**
	 * A Site Health result.
	 *
	 * @param string $test        Test id (without prefix).
	 * @param string $status      good|recommended|critical.
	 * @param string $label       Label.
	 * @param string $description HTML, already escaped.
	 * @param string $actions     HTML, already escaped.
	 * @return array
	 */
	private static function result( $test, $status, $label, $description, $actions = '' ) {
		$colors = array(
			'good'        => 'blue',
			'recommended' => 'orange',
			'critical'    => 'red',
		);
		return array(
			'label'       => $label,
			'status'      => $status,
			'badge'       => array(
				'label' => __( 'Email', 'smtpdiag' ),
				'color' => $colors[ $status ],
			),
			'description' => $description,
			'actions'     => $actions . self::tools_link(),
			'test'        => 'smtpdiag_' . $test,
		);
	}

	/**
	 * An escaped paragraph.
	 *
	 * @param string $text Text.
	 * @return string
	 */
	private static function p( $text ) {
		return '' === $text ? '' : '<p>' . esc_html( $text ) . '</p>';
	}

	/**
	 * An escaped link paragraph.
	 *
	 * @param string $url  URL.
	 * @param string $text Text.
	 * @return string
	 */
	private static function action( $url, $text ) {
		return sprintf( '<p><a href="%s">%s</a></p>', esc_url( $url ), esc_html( $text ) );
	}

	/**
	 * Link to the Tools page.
	 *
	 * @return string
	 */
	private static function tools_link() {
		return self::action( Smtpdiag_Admin::page_url(), __( 'Open SMTP Diagnostics', 'smtpdiag' ) );
	}

	/**
	 * Direct test: the library and which engine it runs on.
	 *
	 * @return array
	 */
	public static function test_engine() {
		$status = Smtpdiag_Library::status();
		if ( ! $status['ok'] ) {
			return self::result(
				'engine',
				'critical',
				__( 'SMTP Diagnostics cannot run: its PHP library is missing', 'smtpdiag' ),
				self::p( ( new Smtpdiag_Unavailable( 'library' ) )->describe() )
			);
		}
		if ( $status['extension'] ) {
			return self::result(
				'engine',
				'good',
				__( 'SMTP Diagnostics runs with its native extension', 'smtpdiag' ),
				self::p(
					sprintf(
						/* translators: %s: extension version. */
						__( 'The smtpdiag PHP extension %s is loaded: every check (port classification, the blocking hop, TLS, certificates, DNS records) is available.', 'smtpdiag' ),
						(string) $status['extension_version']
					)
				)
			);
		}
		$limited = self::limited_capabilities();
		return self::result(
			'engine',
			'recommended',
			__( 'SMTP Diagnostics runs in limited mode (no extension)', 'smtpdiag' ),
			self::p( __( 'The smtpdiag PHP extension is not loaded, so the plugin uses the library\'s pure-PHP mode.', 'smtpdiag' ) )
			. ( $limited ? self::p(
				sprintf(
					/* translators: %s: list of capabilities. */
					__( 'In this mode it cannot see: %s.', 'smtpdiag' ),
					implode( ', ', $limited )
				)
			) : '' )
			. self::p( __( 'Ask your host to install the smtpdiag extension (PIE: pie install smtpdiag/smtpdiag) for the full diagnosis.', 'smtpdiag' ) )
		);
	}

	/**
	 * What the latest diagnosis said it could not see.
	 *
	 * @return string[]
	 */
	private static function limited_capabilities() {
		$last = Smtpdiag_Store::last();
		return null === $last ? array() : array_map( 'strval', (array) ( $last['limited'] ?? array() ) );
	}

	/**
	 * Direct test: PHP functions PHPMailer needs.
	 *
	 * @return array
	 */
	public static function test_php_functions() {
		$functions = Smtpdiag_Environment::php_functions();
		$missing   = array_keys( array_filter( $functions, 'Smtpdiag_Site_Health::is_false' ) );
		$openssl   = extension_loaded( 'openssl' );
		$settings  = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		$smtp      = 'smtp' === $settings['mailer'];

		$fatal = array();
		if ( $smtp && in_array( 'stream_socket_client', $missing, true ) && in_array( 'fsockopen', $missing, true ) ) {
			$fatal[] = 'stream_socket_client / fsockopen';
		}
		if ( ! $smtp && 'mail' === $settings['mailer'] && in_array( 'mail', $missing, true ) ) {
			$fatal[] = 'mail';
		}
		if ( $smtp && ! $openssl && 'none' !== $settings['encryption'] ) {
			$fatal[] = 'openssl';
		}
		if ( $fatal ) {
			return self::result(
				'php_functions',
				'critical',
				__( 'PHP cannot send this site\'s mail: functions are disabled', 'smtpdiag' ),
				self::p(
					sprintf(
						/* translators: %s: function names. */
						__( 'These are disabled or missing in PHP: %s. The site\'s mail settings need them.', 'smtpdiag' ),
						implode( ', ', $fatal )
					)
				) . self::p( __( 'Remove them from disable_functions in php.ini (or enable the openssl extension), or ask your host to.', 'smtpdiag' ) )
			);
		}
		if ( $missing || ! $openssl ) {
			$list = $missing;
			if ( ! $openssl ) {
				$list[] = 'openssl';
			}
			return self::result(
				'php_functions',
				'recommended',
				__( 'Some PHP functions for mail are disabled', 'smtpdiag' ),
				self::p(
					sprintf(
						/* translators: %s: function names. */
						__( 'Disabled or missing: %s. The current mail settings do not need them, but other mail settings would.', 'smtpdiag' ),
						implode( ', ', $list )
					)
				)
			);
		}
		return self::result(
			'php_functions',
			'good',
			__( 'PHP has the functions mail needs', 'smtpdiag' ),
			self::p( __( 'stream_socket_client, stream_socket_enable_crypto, fsockopen, mail() and OpenSSL are available.', 'smtpdiag' ) )
		);
	}

	/**
	 * Callback for array_filter.
	 *
	 * @param mixed $value Value.
	 * @return bool
	 */
	public static function is_false( $value ) {
		return false === $value;
	}

	/**
	 * Direct test: the CA bundle, and whether the latest diagnosis blamed it.
	 *
	 * @return array
	 */
	public static function test_ca_bundle() {
		$bundle = Smtpdiag_Environment::ca_bundle();
		$last   = Smtpdiag_Store::last();
		foreach ( (array) ( $last['result']['findings'] ?? array() ) as $finding ) {
			if ( 'ca_bundle_stale' === ( $finding['code'] ?? '' ) ) {
				return self::result(
					'ca_bundle',
					'critical',
					(string) $finding['title'],
					self::p( (string) $finding['detail'] ) . self::p( (string) $finding['fix'] )
				);
			}
		}
		if ( ! $bundle['readable'] || 0 === $bundle['certificates'] ) {
			return self::result(
				'ca_bundle',
				'critical',
				__( 'PHP has no usable CA bundle to verify mail servers', 'smtpdiag' ),
				self::p(
					sprintf(
						/* translators: 1: file path, 2: where it is configured. */
						__( 'PHP verifies TLS certificates with %1$s (%2$s), which is missing, unreadable or empty: every encrypted SMTP connection will fail verification.', 'smtpdiag' ),
						'' === $bundle['file'] ? __( '(none)', 'smtpdiag' ) : $bundle['file'],
						$bundle['source']
					)
				) . self::p( __( 'Set openssl.cafile in php.ini to the system bundle (/etc/ssl/certs/ca-certificates.crt on Debian/Ubuntu) or install the ca-certificates package.', 'smtpdiag' ) )
			);
		}
		return self::result(
			'ca_bundle',
			'good',
			__( 'PHP has a CA bundle to verify mail servers', 'smtpdiag' ),
			self::p(
				sprintf(
					/* translators: 1: file path, 2: where it is configured, 3: number of certificates, 4: date. */
					__( 'PHP verifies TLS certificates with %1$s (%2$s): %3$d certificates, last changed %4$s.', 'smtpdiag' ),
					$bundle['file'],
					$bundle['source'],
					$bundle['certificates'],
					$bundle['modified'] ? wp_date( get_option( 'date_format' ), $bundle['modified'] ) : '?'
				)
			)
		);
	}

	/**
	 * Async test: the full diagnosis (also stored as the latest).
	 *
	 * @return array
	 */
	public static function test_diagnose() {
		$record = Smtpdiag_Runner::diagnose( 'site_health' );
		$state  = Smtpdiag_Runner::state_of( $record );
		$root   = Smtpdiag_Runner::root_finding( $record );

		if ( null !== $record['error'] && 'not_smtp' !== $record['error'] ) {
			return self::result( 'diagnose', 'recommended', __( 'Outgoing mail could not be checked', 'smtpdiag' ), self::p( (string) $record['message'] ) );
		}
		if ( 'not_smtp' === $record['error'] ) {
			return self::result( 'diagnose', 'recommended', __( 'This site does not send through an SMTP server', 'smtpdiag' ), self::p( (string) $record['message'] ) . self::findings_html( $record, 3 ) );
		}
		if ( null !== $root ) {
			$status = 'critical' === $root['severity'] ? 'critical' : 'recommended';
			return self::result(
				'diagnose',
				$status,
				sprintf(
					/* translators: %s: the root cause's title. */
					__( 'Outgoing mail fails: %s', 'smtpdiag' ),
					(string) $root['title']
				),
				self::p( (string) $root['detail'] ) . '<p><strong>' . esc_html__( 'Fix:', 'smtpdiag' ) . '</strong> ' . esc_html( (string) $root['fix'] ) . '</p>' . self::findings_html( $record, 4, $root['code'] ),
				self::fix_actions( $record, $root )
			);
		}
		if ( ! empty( $record['partial'] ) ) {
			return self::result(
				'diagnose',
				'critical' === $state ? 'critical' : 'recommended',
				__( 'Outgoing mail was checked only in part', 'smtpdiag' ),
				self::p( (string) $record['message'] ) . self::findings_html( $record, 5 )
			);
		}
		if ( 'warning' === $state ) {
			return self::result( 'diagnose', 'recommended', __( 'Outgoing mail works, with warnings', 'smtpdiag' ), self::findings_html( $record, 5 ) );
		}
		return self::result(
			'diagnose',
			'good',
			__( 'Outgoing mail works', 'smtpdiag' ),
			self::p(
				sprintf(
					/* translators: 1: host, 2: port. */
					__( 'The mail server %1$s answers on port %2$d, TLS and login work.', 'smtpdiag' ),
					(string) $record['settings']['host'],
					(int) ( $record['settings']['port'] ? $record['settings']['port'] : Smtpdiag_Mail_Settings::default_port( $record['settings']['encryption'] ) )
				)
			)
		);
	}

	/**
	 * Up to $max findings as an escaped list.
	 *
	 * @param array  $record Record.
	 * @param int    $max    How many.
	 * @param string $skip   A code to leave out.
	 * @return string
	 */
	private static function findings_html( array $record, $max, $skip = '' ) {
		$items = '';
		$count = 0;
		foreach ( (array) ( $record['result']['findings'] ?? array() ) as $finding ) {
			if ( $count >= $max || $skip === $finding['code'] || 'ok' === $finding['severity'] ) {
				continue;
			}
			++$count;
			$items .= sprintf(
				'<li><strong>%s</strong> (%s): %s %s</li>',
				esc_html( (string) $finding['title'] ),
				esc_html( (string) $finding['code'] ),
				esc_html( (string) $finding['detail'] ),
				esc_html( (string) $finding['fix'] )
			);
		}
		return '' === $items ? '' : '<ul>' . $items . '</ul>';
	}

	/**
	 * Actions that lead to the fix: the security plugin's or the SMTP plugin's settings.
	 *
	 * @param array $record Record.
	 * @param array $root   Root finding.
	 * @return string
	 */
	private static function fix_actions( array $record, array $root ) {
		$html = '';
		foreach ( (array) ( $record['result']['findings'] ?? array() ) as $finding ) {
			if ( 'security_plugin_blocking' === $finding['code'] ) {
				foreach ( (array) ( $finding['evidence']['settings_urls'] ?? array() ) as $i => $url ) {
					$html .= self::action(
						(string) $url,
						sprintf(
							/* translators: %s: plugin name. */
							__( 'Open %s settings', 'smtpdiag' ),
							(string) ( $finding['evidence']['plugins'][ $i ] ?? '' )
						)
					);
				}
			}
		}
		$settings_codes = array( 'auth_', 'encryption_', 'port_', 'starttls_', 'tls_', 'dns_', 'cert_hostname', 'relay_denied', 'sender_rejected', 'all_smtp_ports_blocked' );
		$url            = (string) ( $record['settings']['settings_url'] ?? '' );
		if ( '' !== $url ) {
			foreach ( $settings_codes as $prefix ) {
				if ( 0 === strpos( $root['code'], $prefix ) ) {
					$html .= self::action(
						admin_url( $url ),
						sprintf(
							/* translators: %s: plugin name. */
							__( 'Change the mail settings in %s', 'smtpdiag' ),
							(string) $record['settings']['source_label']
						)
					);
					break;
				}
			}
		}
		return $html;
	}

	/**
	 * Async test: the certificate on the configured port.
	 *
	 * @return array
	 */
	public static function test_certificate() {
		$settings = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		if ( 'smtp' !== $settings['mailer'] || '' === $settings['host'] ) {
			return self::result( 'certificate', 'good', __( 'No SMTP server certificate to check', 'smtpdiag' ), self::p( __( 'This site does not send through an SMTP server.', 'smtpdiag' ) ) );
		}
		$port = (int) ( $settings['port'] ? $settings['port'] : Smtpdiag_Mail_Settings::default_port( $settings['encryption'] ) );
		if ( 'none' === $settings['encryption'] && ! $settings['auto_tls'] ) {
			return self::result(
				'certificate',
				'recommended',
				__( 'Mail is sent without encryption', 'smtpdiag' ),
				self::p( __( 'The SMTP settings use no encryption, so the password and messages travel in clear text. Use STARTTLS on port 587 or SSL/TLS on port 465.', 'smtpdiag' ) )
			);
		}
		$mode = 'tls' === $settings['encryption'] ? 'implicit' : ( 465 === $port ? 'implicit' : 'starttls' );
		try {
			$cert = Smtpdiag_Library::call( 'checkCertificate', array( $settings['host'], $port, array_merge( Smtpdiag_Runner::call_options(), array( 'mode' => $mode ) ) ) );
		} catch ( Smtpdiag_Unavailable $e ) {
			return self::result( 'certificate', 'recommended', __( 'The mail server certificate could not be checked', 'smtpdiag' ), self::p( $e->describe() ) );
		} catch ( ValueError | TypeError $e ) {
			return self::result( 'certificate', 'recommended', __( 'The mail server certificate could not be checked', 'smtpdiag' ), self::p( Smtpdiag_Runner::argument_message( $e ) ) );
		}
		$leaf  = is_array( $cert['certificate'] ?? null ) ? $cert['certificate'] : null;
		$worst = null;
		foreach ( (array) ( $cert['findings'] ?? array() ) as $finding ) {
			if ( 'critical' === $finding['severity'] ) {
				$worst = $finding;
				break;
			}
			if ( 'warning' === $finding['severity'] && null === $worst ) {
				$worst = $finding;
			}
		}
		$facts = null === $leaf ? '' : self::p(
			sprintf(
				/* translators: 1: subject, 2: issuer, 3: expiry date, 4: days left. */
				__( 'Certificate %1$s, issued by %2$s, valid until %3$s (%4$d days left).', 'smtpdiag' ),
				(string) $leaf['subject'],
				(string) $leaf['issuer'],
				(string) $leaf['not_after'],
				(int) $leaf['days_left']
			)
		);
		if ( null !== $worst ) {
			return self::result(
				'certificate',
				'critical' === $worst['severity'] ? 'critical' : 'recommended',
				(string) $worst['title'],
				self::p( (string) $worst['detail'] ) . $facts . '<p><strong>' . esc_html__( 'Fix:', 'smtpdiag' ) . '</strong> ' . esc_html( (string) $worst['fix'] ) . '</p>'
			);
		}
		if ( empty( $cert['ok'] ) ) {
			return self::result( 'certificate', 'recommended', __( 'The mail server certificate could not be read', 'smtpdiag' ), $facts . self::p( implode( ', ', array_map( 'strval', (array) ( $cert['errors'] ?? array() ) ) ) ) );
		}
		return self::result(
			'certificate',
			'good',
			sprintf(
				/* translators: %d: days. */
				__( 'The mail server certificate is valid (%d days left)', 'smtpdiag' ),
				(int) ( $leaf['days_left'] ?? 0 )
			),
			$facts
		);
	}

	/**
	 * Async test: SPF, DMARC, DKIM, MX of the From domain.
	 *
	 * @return array
	 */
	public static function test_domain() {
		$settings = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		$domain   = Smtpdiag_Redactor::domain_of( $settings['from'] );
		if ( '' === $domain ) {
			return self::result( 'domain', 'recommended', __( 'The From address has no domain to check', 'smtpdiag' ), self::p( __( 'Set a From address on your own domain in the mail settings.', 'smtpdiag' ) ) );
		}
		$options = Smtpdiag_Runner::call_options();
		if ( 'smtp' === $settings['mailer'] && '' !== $settings['host'] ) {
			$options['relay_host'] = $settings['host'];
		}
		try {
			$check = Smtpdiag_Library::call( 'checkDomain', array( $domain, $options ) );
		} catch ( Smtpdiag_Unavailable $e ) {
			return self::result( 'domain', 'recommended', __( 'The sender domain could not be checked', 'smtpdiag' ), self::p( $e->describe() ) );
		} catch ( ValueError | TypeError $e ) {
			return self::result( 'domain', 'recommended', __( 'The sender domain could not be checked', 'smtpdiag' ), self::p( Smtpdiag_Runner::argument_message( $e ) ) );
		}
		$findings = array_filter(
			(array) ( $check['findings'] ?? array() ),
			static function ( $finding ) {
				return in_array( $finding['severity'] ?? '', array( 'critical', 'warning' ), true );
			}
		);
		$records  = self::p(
			sprintf(
				/* translators: 1: domain, 2: SPF record, 3: DMARC record. */
				__( '%1$s: SPF %2$s; DMARC %3$s.', 'smtpdiag' ),
				$domain,
				(string) ( $check['spf']['record'] ?? __( '(none)', 'smtpdiag' ) ),
				(string) ( $check['dmarc']['record'] ?? __( '(none)', 'smtpdiag' ) )
			)
		);
		if ( ! $findings ) {
			return self::result(
				'domain',
				'good',
				sprintf(
					/* translators: %s: domain. */
					__( 'The sender domain %s is set up for mail', 'smtpdiag' ),
					$domain
				),
				$records
			);
		}
		$critical = false;
		$items    = '';
		foreach ( $findings as $finding ) {
			$critical = $critical || 'critical' === $finding['severity'];
			$items   .= sprintf( '<li><strong>%s</strong>: %s %s</li>', esc_html( (string) $finding['title'] ), esc_html( (string) $finding['detail'] ), esc_html( (string) $finding['fix'] ) );
		}
		return self::result(
			'domain',
			$critical ? 'critical' : 'recommended',
			sprintf(
				/* translators: %s: domain. */
				__( 'The sender domain %s needs DNS records for reliable delivery', 'smtpdiag' ),
				$domain
			),
			$records . '<ul>' . $items . '</ul>'
		);
	}

	/**
	 * The debug_information section: versions and settings, secrets private.
	 *
	 * @param array $info Debug information.
	 * @return array
	 */
	public static function debug_information( $info ) {
		$status   = Smtpdiag_Library::status();
		$settings = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		$last     = Smtpdiag_Store::last();
		$root     = Smtpdiag_Runner::root_finding( $last );
		$versions = array();
		if ( Smtpdiag_Library::has( 'version' ) ) {
			try {
				$versions = Smtpdiag_Library::call( 'version', array() );
			} catch ( Exception $e ) {
				$versions = array();
			}
		}
		$yes_no   = static function ( $value ) {
			return $value ? __( 'Yes', 'smtpdiag' ) : __( 'No', 'smtpdiag' );
		};
		$security = wp_list_pluck( Smtpdiag_Environment::security_plugins(), 'name' );
		$override = $settings['mail_overridden'];

		$info['smtpdiag'] = array(
			'label'  => __( 'SMTP Diagnostics', 'smtpdiag' ),
			'fields' => array(
				'plugin_version'   => array(
					'label' => __( 'Plugin version', 'smtpdiag' ),
					'value' => SMTPDIAG_VERSION,
				),
				'engine'           => array(
					'label' => __( 'Engine', 'smtpdiag' ),
					'value' => $status['ok'] ? ( $status['extension'] ? __( 'native extension', 'smtpdiag' ) : __( 'limited PHP mode', 'smtpdiag' ) ) : __( 'library missing', 'smtpdiag' ),
					'debug' => $status['ok'] ? ( $status['extension'] ? 'native' : 'php' ) : 'missing',
				),
				'library'          => array(
					'label' => __( 'Library loaded from', 'smtpdiag' ),
					'value' => (string) $status['source'],
				),
				'extension'        => array(
					'label' => __( 'Extension version', 'smtpdiag' ),
					'value' => $status['extension'] ? (string) $status['extension_version'] : __( 'not loaded', 'smtpdiag' ),
				),
				'openssl'          => array(
					'label' => 'OpenSSL',
					'value' => (string) ( $versions['openssl'] ?? ( defined( 'OPENSSL_VERSION_TEXT' ) ? OPENSSL_VERSION_TEXT : '' ) ),
				),
				'cares'            => array(
					'label' => 'c-ares',
					'value' => (string) ( $versions['cares'] ?? '' ),
				),
				'settings_source'  => array(
					'label' => __( 'Mail settings read from', 'smtpdiag' ),
					'value' => $settings['source_label'] . ' (' . $settings['source'] . ')',
				),
				'mailer'           => array(
					'label' => __( 'Mailer', 'smtpdiag' ),
					'value' => $settings['mailer'],
				),
				'host'             => array(
					'label' => __( 'SMTP host', 'smtpdiag' ),
					'value' => $settings['host'],
				),
				'port'             => array(
					'label' => __( 'SMTP port', 'smtpdiag' ),
					'value' => (string) $settings['port'],
				),
				'encryption'       => array(
					'label' => __( 'Encryption', 'smtpdiag' ),
					'value' => $settings['encryption'] . ( $settings['auto_tls'] ? ' (auto TLS)' : '' ),
				),
				'auth'             => array(
					'label' => __( 'Authentication', 'smtpdiag' ),
					'value' => $yes_no( $settings['auth'] ),
				),
				'username'         => array(
					'label'   => __( 'SMTP username', 'smtpdiag' ),
					'value'   => $settings['username'],
					'private' => true,
				),
				'password'         => array(
					'label'   => __( 'SMTP password', 'smtpdiag' ),
					'value'   => $settings['password_set'] ? __( 'set (not shown)', 'smtpdiag' ) : __( 'not set', 'smtpdiag' ),
					'private' => true,
				),
				'from'             => array(
					'label'   => __( 'From address', 'smtpdiag' ),
					'value'   => $settings['from'],
					'private' => true,
				),
				'verify_peer'      => array(
					'label' => __( 'Certificate verification', 'smtpdiag' ),
					'value' => $yes_no( $settings['verify_peer'] ),
				),
				'mail_overridden'  => array(
					'label' => __( 'wp_mail() replaced by', 'smtpdiag' ),
					'value' => is_array( $override ) ? $override['by'] : __( 'No', 'smtpdiag' ),
				),
				'security_plugins' => array(
					'label' => __( 'Active security plugins', 'smtpdiag' ),
					'value' => $security ? implode( ', ', $security ) : __( 'None', 'smtpdiag' ),
				),
				'http_block'       => array(
					'label' => 'WP_HTTP_BLOCK_EXTERNAL',
					'value' => $yes_no( Smtpdiag_Environment::http_block()['blocked'] ),
				),
				'last_check'       => array(
					'label' => __( 'Last check', 'smtpdiag' ),
					'value' => null === $last ? __( 'never', 'smtpdiag' ) : gmdate( 'c', (int) $last['taken_at'] ) . ' (' . $last['trigger'] . ')',
				),
				'root_cause'       => array(
					'label' => __( 'Root cause', 'smtpdiag' ),
					'value' => null === $root ? __( 'none', 'smtpdiag' ) : $root['code'],
				),
				'monitoring'       => array(
					'label' => __( 'Daily monitoring', 'smtpdiag' ),
					'value' => $yes_no( Smtpdiag_Store::settings()['monitoring'] ),
				),
				'webhook'          => array(
					'label'   => __( 'Webhook URL', 'smtpdiag' ),
					'value'   => '' === Smtpdiag_Store::settings()['webhook_url'] ? __( 'not set', 'smtpdiag' ) : Smtpdiag_Store::settings()['webhook_url'],
					'private' => true,
				),
			),
		);
		return $info;
	}
}
