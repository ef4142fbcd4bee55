<?php
/**
 * Sends one real test message, through wp_mail() or directly through the library.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * The test-send tool. Through wp_mail() it captures PHPMailer's own SMTP
 * conversation (SMTPDebug with a Debugoutput callback) and redacts the
 * credentials in it; directly it calls the library's sendTest() with
 * settings typed in the form. A failure comes back with the diagnosis.
 */
final class Smtpdiag_Test_Send {

	/**
	 * True while a test send runs (the failure log marks its entries).
	 *
	 * @var bool
	 */
	public static $running = false;

	/**
	 * Sends through wp_mail() with the site's own settings.
	 *
	 * @param string $to Recipient.
	 * @return array {mode, ok, stage, reply, error, transcript, elapsed_ms, settings, diagnosis}
	 */
	public static function via_wp_mail( $to ) {
		$settings = Smtpdiag_Mail_Settings::discover();
		$secrets  = Smtpdiag_Redactor::secret_forms( $settings['password'], $settings['username'] );
		$raw      = array();
		$started  = microtime( true );
		$saw_init = false;

		$capture = static function ( $phpmailer ) use ( &$raw, &$saw_init, $started ) {
			$saw_init               = true;
			$phpmailer->SMTPDebug   = 3; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase -- PHPMailer's property; 3 = commands, replies and connection events.
			$phpmailer->Debugoutput = static function ( $text ) use ( &$raw, $started ) { // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
				$raw[] = array(
					't_ms' => round( ( microtime( true ) - $started ) * 1000, 1 ),
					'text' => (string) $text,
				);
			};
		};
		$error   = null;
		$on_fail = static function ( $wp_error ) use ( &$error ) {
			$error = $wp_error;
		};

		add_action( 'phpmailer_init', $capture, PHP_INT_MAX );
		add_action( 'wp_mail_failed', $on_fail, 1 );
		self::$running = true;
		try {
			$ok = wp_mail( $to, self::subject(), self::body() );
		} catch ( Throwable $e ) {
			$ok    = false;
			$error = new WP_Error( 'wp_mail_failed', $e->getMessage() );
		}
		self::$running = false;
		remove_action( 'phpmailer_init', $capture, PHP_INT_MAX );
		remove_action( 'wp_mail_failed', $on_fail, 1 );

		$transcript = self::parse_phpmailer_debug( $raw );
		$result     = array(
			'mode'       => 'wp_mail',
			'ok'         => (bool) $ok,
			'stage'      => $ok ? 'done' : self::stage_of( $transcript ),
			'reply'      => self::last_reply( $transcript ),
			'error'      => $error instanceof WP_Error ? $error->get_error_message() : '',
			'transcript' => $transcript,
			'elapsed_ms' => (int) round( ( microtime( true ) - $started ) * 1000 ),
			'settings'   => Smtpdiag_Mail_Settings::public_view( $settings ),
			'note'       => '',
			'diagnosis'  => null,
		);
		if ( ! $saw_init ) {
			$result['note'] = __( 'wp_mail() did not run phpmailer_init (a plugin sends mail its own way), so there is no SMTP conversation to show.', 'smtpdiag' );
		} elseif ( 'smtp' !== $settings['mailer'] ) {
			$result['note'] = __( 'The site hands mail to PHP\'s mail() / sendmail: there is no SMTP conversation to show. "Sent" only means the local mail system accepted it.', 'smtpdiag' );
		}
		if ( ! $ok ) {
			$result['diagnosis'] = Smtpdiag_Runner::diagnose( 'test_send', $settings );
		}
		unset( $settings );
		return Smtpdiag_Redactor::scrub( $result, $secrets );
	}

	/**
	 * Sends directly through the library with the given settings.
	 *
	 * @param array  $form Sanitised form: host, port, encryption, auth, username, password, from, verify_peer.
	 * @param string $to   Recipient.
	 * @return array {mode, ok, stage, reply, error, transcript, timings, elapsed_ms, settings, diagnosis}
	 */
	public static function direct( array $form, $to ) {
		$settings                 = Smtpdiag_Mail_Settings::empty_settings( 'form' );
		$settings['source_label'] = __( 'the test-send form', 'smtpdiag' );
		$settings['mailer']       = 'smtp';
		$settings['host']         = (string) $form['host'];
		$settings['port']         = (int) $form['port'];
		$settings['encryption']   = (string) $form['encryption'];
		$settings['auto_tls']     = 'none' === $form['encryption'];
		$settings['auth']         = ! empty( $form['auth'] );
		$settings['username']     = (string) $form['username'];
		$settings['password']     = (string) $form['password'];
		$settings['from']         = (string) $form['from'];
		$settings['verify_peer']  = ! isset( $form['verify_peer'] ) || (bool) $form['verify_peer'];

		if ( $settings['auth'] && '' === $settings['password'] ) {
			// An empty password field means: the site's stored one, for the same server and user only.
			$site = Smtpdiag_Mail_Settings::discover();
			if ( strtolower( $site['host'] ) === strtolower( $settings['host'] ) && $site['username'] === $settings['username'] ) {
				$settings['password'] = $site['password'];
			}
			unset( $site );
		}
		if ( '' === $settings['from'] ) {
			$settings['from'] = $settings['auth'] && is_email( $settings['username'] ) ? $settings['username'] : get_option( 'admin_email' );
		}

		$secrets = Smtpdiag_Redactor::secret_forms( $settings['password'], $settings['username'] );
		$config  = Smtpdiag_Mail_Settings::to_core_config( $settings );
		unset( $config['from'] );
		$message = array(
			'from'    => $settings['from'],
			'to'      => $to,
			'subject' => self::subject(),
			'body'    => self::body(),
		);
		$result  = array(
			'mode'       => 'direct',
			'ok'         => false,
			'stage'      => null,
			'reply'      => null,
			'error'      => '',
			'transcript' => array(),
			'timings'    => array(),
			'elapsed_ms' => 0,
			'settings'   => Smtpdiag_Mail_Settings::public_view( $settings ),
			'note'       => '',
			'diagnosis'  => null,
		);
		try {
			$sent                 = Smtpdiag_Library::call( 'sendTest', array( $config, $message, Smtpdiag_Runner::call_options() ) );
			$result['ok']         = (bool) ( $sent['ok'] ?? false );
			$result['stage']      = $sent['stage'] ?? null;
			$result['reply']      = $sent['reply'] ?? null;
			$result['error']      = (string) ( $sent['error'] ?? '' );
			$result['transcript'] = (array) ( $sent['transcript'] ?? array() );
			$result['timings']    = (array) ( $sent['timings'] ?? array() );
			$result['elapsed_ms'] = (int) ( $sent['elapsed_ms'] ?? 0 );
			$result['findings']   = (array) ( $sent['findings'] ?? array() );
			$result['engine']     = $sent['engine'] ?? null;
		} catch ( Smtpdiag_Unavailable $e ) {
			$result['error'] = $e->describe();
			return Smtpdiag_Redactor::scrub( $result, $secrets );
		} catch ( ValueError | TypeError $e ) {
			$result['error'] = Smtpdiag_Runner::argument_message( $e );
			return Smtpdiag_Redactor::scrub( $result, $secrets );
		}
		if ( ! $result['ok'] ) {
			$result['diagnosis'] = Smtpdiag_Runner::diagnose( 'test_send', $settings, false );
		}
		unset( $settings, $config );
		return Smtpdiag_Redactor::scrub( $result, $secrets );
	}

	/**
	 * Turns PHPMailer debug output into transcript lines {dir, text, t_ms},
	 * masking what follows AUTH (PHPMailer prints the base64 credentials).
	 *
	 * @param array $raw Captured {t_ms, text} chunks.
	 * @return array[]
	 */
	public static function parse_phpmailer_debug( array $raw ) {
		$out     = array();
		$in_auth = false;
		foreach ( $raw as $chunk ) {
			// A chunk is one debug message; a multi-line reply has the prefix on its first line only.
			$chunk_dir = '*';
			foreach ( preg_split( '/\r\n|\n|\r/', rtrim( $chunk['text'] ) ) as $line ) {
				if ( '' === trim( $line ) ) {
					continue;
				}
				$dir  = $chunk_dir;
				$text = $line;
				if ( preg_match( '/^\s*CLIENT -> SERVER:\s?(.*)$/', $line, $m ) ) {
					$dir       = 'C';
					$chunk_dir = 'C';
					$text      = $m[1];
				} elseif ( preg_match( '/^\s*SERVER -> CLIENT:\s?(.*)$/', $line, $m ) ) {
					$dir       = 'S';
					$chunk_dir = 'S';
					$text      = $m[1];
				}
				if ( 'C' === $dir ) {
					if ( preg_match( '/^AUTH\s+(\S+)(\s+\S+)?/i', $text, $m ) ) {
						$in_auth = true;
						$text    = 'AUTH ' . strtoupper( $m[1] ) . ( isset( $m[2] ) ? ' ' . Smtpdiag_Redactor::MASK : '' );
					} elseif ( $in_auth ) {
						$text = Smtpdiag_Redactor::MASK;
					}
				} elseif ( 'S' === $dir && $in_auth && preg_match( '/^(2|4|5)\d\d[ -]/', $text ) ) {
					$in_auth = false;
				}
				$out[] = array(
					'dir'  => $dir,
					'text' => $text,
					't_ms' => $chunk['t_ms'],
				);
			}
		}
		return $out;
	}

	/**
	 * The stage the conversation failed at: that of the command whose reply
	 * was the first 4xx/5xx (the QUIT PHPMailer sends after it does not
	 * count), else that of the last command sent.
	 *
	 * @param array[] $transcript Transcript.
	 * @return string
	 */
	public static function stage_of( array $transcript ) {
		$stages = array(
			'EHLO'     => 'ehlo',
			'HELO'     => 'ehlo',
			'STARTTLS' => 'starttls',
			'AUTH'     => 'auth',
			'MAIL'     => 'mail_from',
			'RCPT'     => 'rcpt_to',
			'DATA'     => 'data',
			'QUIT'     => 'quit',
		);
		$stage  = null;
		$greet  = false;
		foreach ( $transcript as $line ) {
			if ( 'S' === $line['dir'] ) {
				if ( preg_match( '/^[45]\d\d[ -]/', $line['text'] ) ) {
					return null === $stage ? 'banner' : $stage;
				}
				$greet = true;
			}
			if ( 'C' === $line['dir'] ) {
				$verb = strtoupper( (string) strtok( $line['text'], ' ' ) );
				if ( isset( $stages[ $verb ] ) ) {
					$stage = $stages[ $verb ];
				}
			}
		}
		if ( null !== $stage ) {
			return $stage;
		}
		return $greet ? 'banner' : 'connect';
	}

	/**
	 * The reply that failed (the first 4xx/5xx), else the last one.
	 *
	 * @param array[] $transcript Transcript.
	 * @return array|null {code, text}
	 */
	public static function last_reply( array $transcript ) {
		$last = null;
		foreach ( $transcript as $line ) {
			if ( 'S' === $line['dir'] && preg_match( '/^(\d{3})[ -]?(.*)$/', $line['text'], $m ) ) {
				$last = array(
					'code' => (int) $m[1],
					'text' => $m[2],
				);
				if ( $last['code'] >= 400 ) {
					return $last;
				}
			}
		}
		return $last;
	}

	/**
	 * Test message subject.
	 *
	 * @return string
	 */
	private static function subject() {
		/* translators: %s: site name. */
		return sprintf( __( 'smtpdiag test message from %s', 'smtpdiag' ), wp_specialchars_decode( get_bloginfo( 'name' ), ENT_QUOTES ) );
	}

	/**
	 * Test message body.
	 *
	 * @return string
	 */
	private static function body() {
		/* translators: %s: site address. */
		return sprintf( __( "This is a test message sent by the SMTP Diagnostics plugin on %s.\nIf you can read it, this site can send mail.", 'smtpdiag' ), home_url() );
	}
}
