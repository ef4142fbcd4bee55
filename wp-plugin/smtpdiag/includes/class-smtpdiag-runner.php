<?php
/**
 * Runs the checks through php-bindings and records the answer.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Collect: discover settings, call the library, add what only WordPress can
 * see, scrub, store. Returns data; renders nothing.
 */
final class Smtpdiag_Runner {

	/**
	 * Options passed to every library call.
	 *
	 * @param float|null $timeout  Whole-call timeout in seconds; null for the configured one.
	 * @param array|null $settings Mail settings (their CA file), when known.
	 * @return array
	 */
	public static function call_options( $timeout = null, $settings = null ) {
		$timeout = null === $timeout ? Smtpdiag_Store::settings()['timeout'] : (float) $timeout;
		$options = array( 'timeout' => max( 2.0, min( 60.0, $timeout ) ) );
		// Verify with the bundle PHPMailer verifies with: the SMTP plugin's SMTPOptions cafile, else openssl.cafile.
		$ca_file = is_array( $settings ) ? (string) ( $settings['ca_file'] ?? '' ) : '';
		if ( '' === $ca_file ) {
			$ca_file = (string) ini_get( 'openssl.cafile' );
		}
		if ( '' !== $ca_file && is_readable( $ca_file ) ) {
			$options['ca_file'] = $ca_file;
		}
		/**
		 * Filters the options smtpdiag passes to the library (timeout,
		 * dns_servers, ca_file, ehlo_name, ...; see the PHP API).
		 *
		 * @param array $options Options.
		 */
		return apply_filters( 'smtpdiag_call_options', $options );
	}

	/**
	 * Runs a full diagnosis of the site's settings (or of $settings) and stores it.
	 *
	 * @param string     $trigger  What asked: manual, rest, site_health, cron, settings_change, cli, mail_failed.
	 * @param array|null $settings Settings to test instead of the discovered ones (with 'password').
	 * @param bool       $store    Whether to store it as the site's latest diagnosis.
	 * @return array The record: taken_at, trigger, settings (public), result, partial, unavailable, limited, engine, error.
	 */
	public static function diagnose( $trigger = 'manual', $settings = null, $store = true ) {
		$settings = null === $settings ? Smtpdiag_Mail_Settings::discover() : $settings;
		$public   = Smtpdiag_Mail_Settings::public_view( $settings );
		$secrets  = Smtpdiag_Redactor::secret_forms( $settings['password'] ?? '', $settings['username'] ?? '' );
		$config   = Smtpdiag_Mail_Settings::to_core_config( $settings );
		$started  = microtime( true );

		$record = array(
			'taken_at'    => time(),
			'trigger'     => $trigger,
			'settings'    => $public,
			'result'      => null,
			'partial'     => false,
			'unavailable' => array(),
			'limited'     => array(),
			'engine'      => null,
			'error'       => null,
			'message'     => '',
			'elapsed_ms'  => 0,
		);

		if ( null === $config ) {
			$record['error']   = 'not_smtp';
			$record['message'] = self::not_smtp_message( $public );
			$record['result']  = Smtpdiag_Environment::augment(
				array(
					'ok'         => null,
					'root_cause' => null,
					'findings'   => array(),
				),
				$public
			);
		} else {
			$result = self::run_diagnose( $config, $record );
			if ( null !== $result ) {
				$record['engine']  = $result['engine'] ?? null;
				$record['limited'] = array_values( (array) ( $result['unavailable'] ?? array() ) );
				$record['result']  = Smtpdiag_Environment::augment( $result, $public );
			}
		}

		$record['elapsed_ms'] = (int) round( ( microtime( true ) - $started ) * 1000 );
		$record               = Smtpdiag_Redactor::scrub( $record, $secrets );
		unset( $config, $settings );

		if ( $store ) {
			$previous = Smtpdiag_Store::push( $record );
			/**
			 * Fires after a diagnosis was stored.
			 *
			 * @param array      $record   The new record (scrubbed).
			 * @param array|null $previous The one before it.
			 */
			do_action( 'smtpdiag_diagnosis_recorded', $record, $previous );
		}
		return $record;
	}

	/**
	 * Calls diagnose(); when this library build has no diagnose() yet, runs
	 * the checks it does have (probe, certificate, domain) and marks the
	 * record partial: their real findings, and no root cause.
	 *
	 * @param array $config  Core config (with the password).
	 * @param array $record  Record to annotate (by reference).
	 * @return array|null Result, or null with $record['error'] set.
	 */
	private static function run_diagnose( array $config, array &$record ) {
		$options = self::call_options( null, $record['settings'] );
		try {
			return Smtpdiag_Library::call( 'diagnose', array( $config, $options ) );
		} catch ( Smtpdiag_Unavailable $e ) {
			if ( 'diagnose' !== $e->what ) {
				$record['error']   = 'unavailable';
				$record['message'] = $e->describe();
				return null;
			}
			$record['partial']       = true;
			$record['unavailable'][] = 'diagnose';
			$record['message']       = $e->describe();
		} catch ( ValueError | TypeError $e ) {
			$record['error']   = 'invalid_settings';
			$record['message'] = self::argument_message( $e );
			return null;
		} catch ( Throwable $e ) {
			$record['error']   = 'internal';
			$record['message'] = __( 'The smtpdiag library failed internally; nothing could be checked.', 'smtpdiag' );
			return null;
		}
		return self::run_partial( $config, $options, $record );
	}

	/**
	 * The checks available without diagnose().
	 *
	 * @param array $config  Core config.
	 * @param array $options Call options.
	 * @param array $record  Record (by reference).
	 * @return array
	 */
	private static function run_partial( array $config, array $options, array &$record ) {
		$short  = array_merge( $options, array( 'timeout' => min( 5.0, (float) $options['timeout'] ) ) );
		$result = array(
			'ok'          => null,
			'root_cause'  => null,
			'findings'    => array(),
			'probe'       => null,
			'certificate' => null,
			'domain'      => null,
		);
		$calls  = array(
			'probe'       => array( 'probe', array( $config['host'], array_merge( $options, array( 'ports' => array_values( array_unique( array( 25, 465, 587, 2525, (int) $config['port'] ) ) ) ) ) ) ),
			'certificate' => 'none' === $config['encryption'] ? null : array( 'checkCertificate', array( $config['host'], (int) $config['port'], $short ) ),
			'domain'      => empty( $config['from'] ) ? null : array( 'checkDomain', array( Smtpdiag_Redactor::domain_of( $config['from'] ), array_merge( $short, array( 'relay_host' => $config['host'] ) ) ) ),
		);
		foreach ( $calls as $section => $call ) {
			if ( null === $call ) {
				continue;
			}
			try {
				$section_result        = Smtpdiag_Library::call( $call[0], $call[1] );
				$result[ $section ]    = $section_result;
				$result['findings']    = array_merge( $result['findings'], (array) ( $section_result['findings'] ?? array() ) );
				$result['engine']      = $section_result['engine'] ?? null;
				$result['unavailable'] = $section_result['unavailable'] ?? array();
			} catch ( Smtpdiag_Unavailable $e ) {
				$record['unavailable'][] = $call[0];
			} catch ( ValueError | TypeError $e ) {
				$record['error']   = 'invalid_settings';
				$record['message'] = self::argument_message( $e );
			} catch ( Throwable $e ) {
				$record['unavailable'][] = $call[0];
			}
		}
		return $result;
	}

	/**
	 * A message for a ValueError/TypeError from the library. The library
	 * names the argument and never echoes the value, so its message is safe.
	 *
	 * @param Throwable $e Error.
	 * @return string
	 */
	public static function argument_message( Throwable $e ) {
		return sprintf(
			/* translators: %s: the library's message naming the bad argument. */
			__( 'The mail settings cannot be tested as they are: %s', 'smtpdiag' ),
			wp_strip_all_tags( $e->getMessage() )
		);
	}

	/**
	 * Why there is nothing to probe.
	 *
	 * @param array $settings Public settings.
	 * @return string
	 */
	private static function not_smtp_message( array $settings ) {
		if ( 'mail' === $settings['mailer'] || 'sendmail' === $settings['mailer'] || 'qmail' === $settings['mailer'] ) {
			return sprintf(
				/* translators: %s: PHP's sendmail_path. */
				__( 'This site sends with PHP\'s mail() (sendmail_path: %s), not through an SMTP server, so there is no server to probe. Configure an SMTP plugin, or enter a server in the test-send form.', 'smtpdiag' ),
				(string) ini_get( 'sendmail_path' )
			);
		}
		if ( 'smtp' === $settings['mailer'] ) {
			return __( 'SMTP is selected but no SMTP host is set.', 'smtpdiag' );
		}
		return sprintf(
			/* translators: %s: mailer name. */
			__( 'This site sends through the "%s" HTTPS API, not SMTP; the SMTP checks do not apply.', 'smtpdiag' ),
			$settings['mailer']
		);
	}

	/**
	 * The root-cause finding of a record, or null.
	 *
	 * @param array|null $record Record.
	 * @return array|null
	 */
	public static function root_finding( $record ) {
		if ( ! is_array( $record ) || ! is_array( $record['result'] ?? null ) ) {
			return null;
		}
		$root = $record['result']['root_cause'] ?? null;
		if ( null === $root ) {
			return null;
		}
		foreach ( (array) ( $record['result']['findings'] ?? array() ) as $finding ) {
			if ( ( $finding['code'] ?? '' ) === $root ) {
				return $finding;
			}
		}
		return array(
			'code'     => $root,
			'severity' => 'critical',
			'title'    => $root,
			'detail'   => '',
			'fix'      => '',
			'evidence' => array(),
		);
	}

	/**
	 * The record's overall state: critical (a critical root cause),
	 * warning, ok, unknown (partial or not run).
	 *
	 * @param array|null $record Record.
	 * @return string
	 */
	public static function state_of( $record ) {
		if ( ! is_array( $record ) || ! is_array( $record['result'] ?? null ) ) {
			return 'unknown';
		}
		$root = self::root_finding( $record );
		if ( null !== $root ) {
			return 'critical' === $root['severity'] ? 'critical' : 'warning';
		}
		$worst = 'ok';
		foreach ( (array) ( $record['result']['findings'] ?? array() ) as $finding ) {
			if ( 'critical' === ( $finding['severity'] ?? '' ) ) {
				$worst = 'critical';
				break;
			}
			if ( 'warning' === ( $finding['severity'] ?? '' ) ) {
				$worst = 'warning';
			}
		}
		if ( ! empty( $record['partial'] ) || null === ( $record['result']['ok'] ?? null ) ) {
			return 'critical' === $worst ? 'critical' : 'unknown';
		}
		if ( true === $record['result']['ok'] ) {
			// Mail goes out: problems on ports or records it does not use are warnings.
			return 'ok' === $worst ? 'ok' : 'warning';
		}
		return $worst;
	}
}
