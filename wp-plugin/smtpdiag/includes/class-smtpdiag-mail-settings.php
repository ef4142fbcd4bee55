<?php
/**
 * Finds the mail settings this site really sends with.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Settings discovery. First the way WordPress itself does it: a throwaway
 * PHPMailer goes through `phpmailer_init`, so whatever any SMTP plugin sets
 * there (host, port, encryption, auth, username, from) is read back. Where
 * that does not work (the plugin replaces wp_mail(), or only configures at
 * send time), readers for the common plugins' stored options take over.
 *
 * The result carries the password only under 'password', for the test that
 * needs it; public_view() drops it. Nothing here logs or stores it.
 */
final class Smtpdiag_Mail_Settings {

	/**
	 * Plugins whose stored options can be read: reader => [label, plugin files, settings page].
	 *
	 * @var array<string,array>
	 */
	const READERS = array(
		'wp_mail_smtp' => array(
			'label'    => 'WP Mail SMTP',
			'plugins'  => array( 'wp-mail-smtp/wp_mail_smtp.php', 'wp-mail-smtp-pro/wp_mail_smtp.php' ),
			'settings' => 'admin.php?page=wp-mail-smtp',
		),
		'post_smtp'    => array(
			'label'    => 'Post SMTP',
			'plugins'  => array( 'post-smtp/postman-smtp.php' ),
			'settings' => 'admin.php?page=postman',
		),
		'fluent_smtp'  => array(
			'label'    => 'FluentSMTP',
			'plugins'  => array( 'fluent-smtp/fluent-smtp.php' ),
			'settings' => 'options-general.php?page=fluent-mail#/connections',
		),
		'easy_wp_smtp' => array(
			'label'    => 'Easy WP SMTP',
			'plugins'  => array( 'easy-wp-smtp/easy-wp-smtp.php' ),
			'settings' => 'admin.php?page=easy-wp-smtp',
		),
	);

	/**
	 * Options whose change means the mail settings changed.
	 *
	 * @var string[]
	 */
	const WATCHED_OPTIONS = array( 'wp_mail_smtp', 'postman_options', 'fluentmail-settings', 'easy_wp_smtp', 'swpsmtp_options' );

	/**
	 * Discovers the settings.
	 *
	 * @return array See empty_settings() for the keys.
	 */
	public static function discover() {
		$overridden = self::wp_mail_override();
		$settings   = self::from_phpmailer_init();

		if ( 'smtp' !== $settings['mailer'] || '' === $settings['host'] ) {
			// Only active plugins send mail: an inactive plugin's leftover options say nothing.
			$fallback = null;
			foreach ( self::active_smtp_plugins() as $plugin ) {
				$read = self::read( $plugin['key'] );
				if ( null === $read ) {
					continue;
				}
				if ( 'smtp' === $read['mailer'] && '' !== $read['host'] ) {
					$fallback = $read;
					break;
				}
				if ( null === $fallback && 'mail' !== $read['mailer'] ) {
					// Set to an HTTPS API mailer: say so rather than "PHP mail()".
					$fallback = $read;
				}
			}
			if ( null !== $fallback ) {
				$settings = $fallback;
			}
		}

		$settings['mail_overridden'] = $overridden;
		$settings['smtp_plugins']    = self::active_smtp_plugins();

		/**
		 * Filters the discovered mail settings before smtpdiag tests them.
		 *
		 * @param array $settings Settings; 'password' is the secret, never display it.
		 */
		return apply_filters( 'smtpdiag_mail_settings', $settings );
	}

	/**
	 * The shape of a settings array.
	 *
	 * @param string $source Where the settings came from.
	 * @return array
	 */
	public static function empty_settings( $source ) {
		return array(
			'source'          => $source,
			'source_label'    => '',
			'settings_url'    => '',
			'mailer'          => 'mail',
			'host'            => '',
			'port'            => 0,
			'encryption'      => 'none',
			'auto_tls'        => true,
			'auth'            => false,
			'auth_type'       => '',
			'username'        => '',
			'password'        => '',
			'from'            => '',
			'from_name'       => '',
			'verify_peer'     => true,
			'ca_file'         => '',
			'note'            => '',
			'mail_overridden' => null,
			'smtp_plugins'    => array(),
		);
	}

	/**
	 * The settings without the secret: what may be shown, stored or sent.
	 *
	 * @param array $settings Discovered settings.
	 * @return array
	 */
	public static function public_view( array $settings ) {
		$settings['password_set'] = '' !== (string) ( $settings['password'] ?? '' );
		unset( $settings['password'] );
		return $settings;
	}

	/**
	 * The core's config for these settings (smtpdiag_send_test()/diagnose() shape).
	 *
	 * @param array $settings Discovered settings.
	 * @return array|null Null when the site does not send through SMTP.
	 */
	public static function to_core_config( array $settings ) {
		if ( 'smtp' !== $settings['mailer'] || '' === $settings['host'] ) {
			return null;
		}
		$config = array(
			'host'        => $settings['host'],
			'port'        => (int) ( $settings['port'] ? $settings['port'] : self::default_port( $settings['encryption'] ) ),
			'encryption'  => $settings['encryption'],
			'auto_tls'    => (bool) $settings['auto_tls'],
			'auth'        => null,
			'verify_peer' => (bool) $settings['verify_peer'],
		);
		if ( $settings['auth'] ) {
			$config['auth'] = array(
				'username'  => (string) $settings['username'],
				'password'  => (string) $settings['password'],
				'mechanism' => self::mechanism( $settings['auth_type'] ),
			);
		}
		if ( '' !== $settings['from'] ) {
			$config['from'] = $settings['from'];
		}
		return $config;
	}

	/**
	 * PHPMailer's default port for an encryption.
	 *
	 * @param string $encryption none|starttls|tls.
	 * @return int
	 */
	public static function default_port( $encryption ) {
		if ( 'tls' === $encryption ) {
			return 465;
		}
		return 'starttls' === $encryption ? 587 : 25;
	}

	/**
	 * Maps a plugin's auth type to the core's mechanism.
	 *
	 * @param string $type AuthType as a plugin stores it.
	 * @return string
	 */
	private static function mechanism( $type ) {
		$type = strtolower( (string) $type );
		if ( in_array( $type, array( 'plain', 'login', 'xoauth2' ), true ) ) {
			return $type;
		}
		return 'auto';
	}

	/**
	 * Maps a PHPMailer SMTPSecure / plugin encryption value to the core's.
	 *
	 * @param string $value 'ssl', 'tls', 'starttls', 'none', ''.
	 * @return string none|starttls|tls
	 */
	public static function encryption_from( $value ) {
		$value = strtolower( trim( (string) $value ) );
		if ( 'ssl' === $value || 'smtps' === $value ) {
			return 'tls';
		}
		if ( 'tls' === $value || 'starttls' === $value ) {
			return 'starttls';
		}
		return 'none';
	}

	/**
	 * Runs phpmailer_init on a PHPMailer that will never send, and reads back
	 * what the hooked plugins set. Mirrors wp_mail(): From is set from the
	 * wp_mail_from filters first, then phpmailer_init runs.
	 *
	 * @return array
	 */
	public static function from_phpmailer_init() {
		$settings = self::empty_settings( 'phpmailer_init' );
		if ( ! class_exists( '\\PHPMailer\\PHPMailer\\PHPMailer', false ) ) {
			require_once ABSPATH . WPINC . '/PHPMailer/PHPMailer.php';
			require_once ABSPATH . WPINC . '/PHPMailer/SMTP.php';
			require_once ABSPATH . WPINC . '/PHPMailer/Exception.php';
		}
		$mailer = new PHPMailer\PHPMailer\PHPMailer( true );

		$sitename = wp_parse_url( network_home_url(), PHP_URL_HOST );
		if ( is_string( $sitename ) && 'www.' === substr( $sitename, 0, 4 ) ) {
			$sitename = substr( $sitename, 4 );
		}
		$from      = apply_filters( 'wp_mail_from', 'wordpress@' . $sitename ); // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- core's filter, applied as wp_mail() does.
		$from_name = apply_filters( 'wp_mail_from_name', 'WordPress' ); // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- core's filter.
		try {
			$mailer->setFrom( $from, $from_name, false );
		} catch ( Exception $e ) {
			$settings['note'] = __( 'The From address the site\'s filters produce is not a valid address.', 'smtpdiag' );
		}

		$callbacks = self::hook_callbacks( 'phpmailer_init' );
		try {
			do_action_ref_array( 'phpmailer_init', array( &$mailer ) ); // phpcs:ignore WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedHooknameFound -- core's action, run as wp_mail() runs it.
		} catch ( Throwable $e ) {
			$settings['note'] = __( 'A phpmailer_init callback failed while the settings were read.', 'smtpdiag' );
		}

		$settings['mailer'] = (string) $mailer->Mailer; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase -- PHPMailer's property.
		$host               = self::parse_phpmailer_host( (string) $mailer->Host, (int) $mailer->Port ); // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		$secure             = (string) $mailer->SMTPSecure; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		if ( '' !== $host['prefix'] ) {
			$secure = $host['prefix'];
		}
		$ssl_options = (array) $mailer->SMTPOptions; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase

		$settings['host']       = 'smtp' === $settings['mailer'] ? $host['host'] : '';
		$settings['port']       = $host['port'];
		$settings['encryption'] = self::encryption_from( $secure );
		$settings['auto_tls']   = (bool) $mailer->SMTPAutoTLS; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		$settings['auth']       = (bool) $mailer->SMTPAuth; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		$settings['auth_type']  = (string) $mailer->AuthType; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		$settings['username']   = (string) $mailer->Username; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		$settings['password']   = (string) $mailer->Password; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		$settings['from']       = (string) $mailer->From; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		$settings['from_name']  = (string) $mailer->FromName; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		if ( '' !== $settings['from'] ) {
			$settings['note'] = ''; // A phpmailer_init callback set a valid From after all.
		}
		$settings['verify_peer'] = ! ( isset( $ssl_options['ssl']['verify_peer'] ) && false === $ssl_options['ssl']['verify_peer'] );
		$settings['ca_file']     = isset( $ssl_options['ssl']['cafile'] ) && is_string( $ssl_options['ssl']['cafile'] ) ? $ssl_options['ssl']['cafile'] : '';

		$owners                   = self::owners_of( $callbacks );
		$settings['source_label'] = $owners ? implode( ', ', $owners ) : __( 'WordPress defaults', 'smtpdiag' );
		foreach ( self::READERS as $reader ) {
			if ( in_array( $reader['label'], $owners, true ) ) {
				$settings['settings_url'] = $reader['settings'];
			}
		}

		// Drop the throwaway's secret copy as soon as it is read.
		$mailer->Password = ''; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase
		return $settings;
	}

	/**
	 * Parses PHPMailer's Host: "a;b", "ssl://host:465", "[2001:db8::1]:587".
	 * The first host is the one PHPMailer tries first.
	 *
	 * @param string $host PHPMailer Host.
	 * @param int    $port PHPMailer Port.
	 * @return array{host:string,port:int,prefix:string}
	 */
	public static function parse_phpmailer_host( $host, $port ) {
		$first = trim( (string) strtok( $host, ';' ) );
		$out   = array(
			'host'   => $first,
			'port'   => $port,
			'prefix' => '',
		);
		if ( preg_match( '/^(?:(ssl|tls):\/\/)?([a-zA-Z0-9.\-_]*|\[[a-fA-F0-9:.]+\]):?([0-9]*)$/', $first, $m ) ) {
			$out['prefix'] = strtolower( $m[1] );
			$out['host']   = trim( $m[2], '[]' );
			if ( '' !== $m[3] ) {
				$out['port'] = (int) $m[3];
			}
		}
		return $out;
	}

	/**
	 * Reads one plugin's stored options.
	 *
	 * @param string $reader Key of READERS.
	 * @return array|null Null when the plugin has no settings here.
	 */
	public static function read( $reader ) {
		switch ( $reader ) {
			case 'wp_mail_smtp':
				$read = self::read_wp_mail_smtp_style( 'wp_mail_smtp', 'wp_mail_smtp_mail_key', 'WPMS_' );
				break;
			case 'easy_wp_smtp':
				$read = self::read_wp_mail_smtp_style( 'easy_wp_smtp', 'easy_wp_smtp_mail_key', 'EASY_WP_SMTP_' );
				if ( null === $read ) {
					$read = self::read_easy_wp_smtp_v1();
				}
				break;
			case 'post_smtp':
				$read = self::read_post_smtp();
				break;
			case 'fluent_smtp':
				$read = self::read_fluent_smtp();
				break;
			default:
				return null;
		}
		if ( null !== $read ) {
			$read['source']       = $reader;
			$read['source_label'] = self::READERS[ $reader ]['label'];
			$read['settings_url'] = self::READERS[ $reader ]['settings'];
		}
		return $read;
	}

	/**
	 * WP Mail SMTP, and Easy WP SMTP 2.x which shares its layout: option
	 * {mail: {mailer, from_email, from_name}, smtp: {host, port, encryption,
	 * auth, user, pass, autotls}}, the password sealed with sodium secretbox
	 * under a key kept in another option, constants (PREFIX_ON) overriding.
	 *
	 * @param string $option     Option name.
	 * @param string $key_option Option holding the base64 key.
	 * @param string $prefix     Constant prefix, e.g. WPMS_.
	 * @return array|null
	 */
	private static function read_wp_mail_smtp_style( $option, $key_option, $prefix ) {
		$stored = get_option( $option );
		if ( ! is_array( $stored ) ) {
			return null;
		}
		$mail  = isset( $stored['mail'] ) && is_array( $stored['mail'] ) ? $stored['mail'] : array();
		$smtp  = isset( $stored['smtp'] ) && is_array( $stored['smtp'] ) ? $stored['smtp'] : array();
		$const = static function ( $name, $value ) use ( $prefix ) {
			$on = 'WPMS_' === $prefix ? 'WPMS_ON' : $prefix . 'ON';
			if ( defined( $on ) && constant( $on ) && defined( $prefix . $name ) ) {
				return constant( $prefix . $name );
			}
			return $value;
		};

		$s           = self::empty_settings( $option );
		$s['mailer'] = (string) $const( 'MAILER', $mail['mailer'] ?? 'mail' );
		if ( 'php' === $s['mailer'] ) {
			$s['mailer'] = 'mail';
		}
		$s['from']      = (string) $const( 'MAIL_FROM', $mail['from_email'] ?? '' );
		$s['from_name'] = (string) $const( 'MAIL_FROM_NAME', $mail['from_name'] ?? '' );
		if ( 'smtp' !== $s['mailer'] ) {
			if ( 'mail' !== $s['mailer'] ) {
				$s['note'] = sprintf(
					/* translators: %s: mailer name such as mailgun. */
					__( 'The plugin sends through the "%s" HTTPS API, not SMTP.', 'smtpdiag' ),
					$s['mailer']
				);
			}
			return $s;
		}
		$s['host']       = (string) $const( 'SMTP_HOST', $smtp['host'] ?? '' );
		$s['port']       = (int) $const( 'SMTP_PORT', $smtp['port'] ?? 0 );
		$s['encryption'] = self::encryption_from( (string) $const( 'SSL', $smtp['encryption'] ?? 'none' ) );
		$s['auto_tls']   = (bool) $const( 'SMTP_AUTOTLS', $smtp['autotls'] ?? true );
		$s['auth']       = (bool) $const( 'SMTP_AUTH', $smtp['auth'] ?? false );
		$s['username']   = (string) $const( 'SMTP_USER', $smtp['user'] ?? '' );
		$pass            = $const( 'SMTP_PASS', null );
		if ( null !== $pass ) {
			$s['password'] = (string) $pass;
		} elseif ( ! empty( $smtp['pass'] ) ) {
			$key = defined( $prefix . 'CRYPTO_KEY' ) ? constant( $prefix . 'CRYPTO_KEY' ) : null;
			if ( null === $key ) {
				$stored_key = get_option( $key_option );
				// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- the plugin stores its key base64-encoded.
				$key = is_string( $stored_key ) ? base64_decode( $stored_key, true ) : null;
			}
			$s['password'] = self::open_secretbox( (string) $smtp['pass'], is_string( $key ) ? $key : '' );
			if ( '' === $s['password'] ) {
				$s['note'] = __( 'The stored SMTP password could not be decrypted here; the authentication test is skipped.', 'smtpdiag' );
			}
		}
		return $s;
	}

	/**
	 * Opens base64(nonce . secretbox) with a 32-byte key; '' on failure.
	 *
	 * @param string $sealed Stored value.
	 * @param string $key    Raw key.
	 * @return string
	 */
	private static function open_secretbox( $sealed, $key ) {
		if ( ! function_exists( 'sodium_crypto_secretbox_open' ) || SODIUM_CRYPTO_SECRETBOX_KEYBYTES !== strlen( $key ) ) {
			return '';
		}
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- the stored format.
		$raw = base64_decode( $sealed, true );
		if ( false === $raw || strlen( $raw ) < SODIUM_CRYPTO_SECRETBOX_NONCEBYTES + SODIUM_CRYPTO_SECRETBOX_MACBYTES ) {
			return '';
		}
		try {
			$plain = sodium_crypto_secretbox_open( substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ), substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ), $key );
		} catch ( SodiumException $e ) {
			return '';
		}
		return false === $plain ? '' : $plain;
	}

	/**
	 * Easy WP SMTP 1.x: option swpsmtp_options {from_email_field,
	 * from_name_field, smtp_settings {host, type_encryption, port,
	 * autentication, username, password (base64)}}.
	 *
	 * @return array|null
	 */
	private static function read_easy_wp_smtp_v1() {
		$stored = get_option( 'swpsmtp_options' );
		if ( ! is_array( $stored ) || empty( $stored['smtp_settings'] ) || ! is_array( $stored['smtp_settings'] ) ) {
			return null;
		}
		$smtp             = $stored['smtp_settings'];
		$s                = self::empty_settings( 'easy_wp_smtp' );
		$s['mailer']      = 'smtp';
		$s['host']        = (string) ( $smtp['host'] ?? '' );
		$s['port']        = (int) ( $smtp['port'] ?? 0 );
		$s['encryption']  = self::encryption_from( (string) ( $smtp['type_encryption'] ?? 'none' ) );
		$s['auth']        = 'yes' === ( $smtp['autentication'] ?? 'no' );
		$s['username']    = (string) ( $smtp['username'] ?? '' );
		$s['from']        = (string) ( $stored['from_email_field'] ?? '' );
		$s['from_name']   = (string) ( $stored['from_name_field'] ?? '' );
		$s['verify_peer'] = empty( $smtp['insecure_ssl'] );
		$pass             = (string) ( $smtp['password'] ?? '' );
		if ( '' !== $pass && empty( $smtp['encrypt_pass'] ) ) {
			// phpcs:disable WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode,WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- the plugin's stored format.
			$decoded       = base64_decode( $pass, true );
			$s['password'] = ( false !== $decoded && base64_encode( $decoded ) === $pass ) ? $decoded : $pass;
			// phpcs:enable
		} elseif ( '' !== $pass ) {
			$s['note'] = __( 'The stored SMTP password is encrypted with a key this plugin cannot read; the authentication test is skipped.', 'smtpdiag' );
		}
		return $s;
	}

	/**
	 * Post SMTP: option postman_options {transport_type, hostname, port,
	 * enc_type none|ssl|tls, auth_type, basic_auth_username,
	 * basic_auth_password (base64), sender_email, sender_name}.
	 *
	 * @return array|null
	 */
	private static function read_post_smtp() {
		$stored = get_option( 'postman_options' );
		if ( ! is_array( $stored ) ) {
			return null;
		}
		$s              = self::empty_settings( 'post_smtp' );
		$transport      = (string) ( $stored['transport_type'] ?? 'smtp' );
		$s['from']      = (string) ( $stored['sender_email'] ?? '' );
		$s['from_name'] = (string) ( $stored['sender_name'] ?? '' );
		if ( 'smtp' !== $transport ) {
			$s['mailer'] = 'default' === $transport ? 'mail' : $transport;
			return $s;
		}
		$s['mailer']     = 'smtp';
		$s['host']       = (string) ( $stored['hostname'] ?? '' );
		$s['port']       = (int) ( $stored['port'] ?? 0 );
		$s['encryption'] = self::encryption_from( (string) ( $stored['enc_type'] ?? 'none' ) );
		$s['auto_tls']   = false;
		$auth_type       = strtolower( (string) ( $stored['auth_type'] ?? 'none' ) );
		$s['auth']       = 'none' !== $auth_type && '' !== $auth_type;
		$s['auth_type']  = 'oauth2' === $auth_type ? 'xoauth2' : $auth_type;
		$s['username']   = (string) ( $stored['basic_auth_username'] ?? '' );
		if ( ! empty( $stored['basic_auth_password'] ) ) {
			// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- Post SMTP stores the password base64-encoded.
			$decoded       = base64_decode( (string) $stored['basic_auth_password'], true );
			$s['password'] = false === $decoded ? '' : $decoded;
		}
		if ( 'xoauth2' === $s['auth_type'] ) {
			$s['note'] = __( 'Post SMTP uses OAuth 2.0 here; the password test does not apply.', 'smtpdiag' );
		}
		return $s;
	}

	/**
	 * FluentSMTP: option fluentmail-settings {connections: {KEY:
	 * {provider_settings: {provider, host, port, encryption, auth yes|no,
	 * auto_tls yes|no, username, password, key_store db|wp_config,
	 * sender_email, sender_name}}}, misc: {default_connection}, use_encrypt}.
	 * Encrypted passwords are base64(iv . AES-256-CTR(password . salt)) with
	 * LOGGED_IN_KEY / LOGGED_IN_SALT (or FLUENTMAIL_ENCRYPT_KEY / _SALT).
	 *
	 * @return array|null
	 */
	private static function read_fluent_smtp() {
		$stored = get_option( 'fluentmail-settings' );
		if ( ! is_array( $stored ) || empty( $stored['connections'] ) || ! is_array( $stored['connections'] ) ) {
			return null;
		}
		$default = $stored['misc']['default_connection'] ?? '';
		$conn    = ( '' !== $default && isset( $stored['connections'][ $default ] ) ) ? $stored['connections'][ $default ] : reset( $stored['connections'] );
		$p       = isset( $conn['provider_settings'] ) && is_array( $conn['provider_settings'] ) ? $conn['provider_settings'] : array();

		$s              = self::empty_settings( 'fluent_smtp' );
		$s['from']      = (string) ( $p['sender_email'] ?? '' );
		$s['from_name'] = (string) ( $p['sender_name'] ?? '' );
		$provider       = (string) ( $p['provider'] ?? '' );
		if ( 'smtp' !== $provider ) {
			$s['mailer'] = 'default' === $provider ? 'mail' : $provider;
			return $s;
		}
		$s['mailer']     = 'smtp';
		$s['host']       = (string) ( $p['host'] ?? '' );
		$s['port']       = (int) ( $p['port'] ?? 0 );
		$s['encryption'] = self::encryption_from( (string) ( $p['encryption'] ?? 'none' ) );
		$s['auto_tls']   = 'yes' === ( $p['auto_tls'] ?? 'yes' );
		$s['auth']       = 'yes' === ( $p['auth'] ?? 'no' );
		$s['username']   = (string) ( $p['username'] ?? '' );
		$password        = (string) ( $p['password'] ?? '' );
		if ( 'wp_config' === ( $p['key_store'] ?? 'db' ) ) {
			$s['username'] = defined( 'FLUENTMAIL_SMTP_USERNAME' ) ? (string) FLUENTMAIL_SMTP_USERNAME : $s['username'];
			$password      = defined( 'FLUENTMAIL_SMTP_PASSWORD' ) ? (string) FLUENTMAIL_SMTP_PASSWORD : '';
		} elseif ( '' !== $password && 'yes' === ( $stored['use_encrypt'] ?? 'no' ) ) {
			$password = self::fluent_decrypt( $password );
			if ( '' === $password ) {
				$s['note'] = __( 'The stored SMTP password could not be decrypted here; the authentication test is skipped.', 'smtpdiag' );
			}
		}
		$s['password'] = $password;
		return $s;
	}

	/**
	 * Decrypts FluentSMTP's encrypted values; '' on failure.
	 *
	 * @param string $value Stored value.
	 * @return string
	 */
	private static function fluent_decrypt( $value ) {
		if ( ! function_exists( 'openssl_decrypt' ) ) {
			return '';
		}
		$key  = defined( 'FLUENTMAIL_ENCRYPT_KEY' ) ? FLUENTMAIL_ENCRYPT_KEY : ( ( defined( 'LOGGED_IN_KEY' ) && '' !== LOGGED_IN_KEY ) ? LOGGED_IN_KEY : 'this-is-a-fallback-key-but-not-secure' );
		$salt = defined( 'FLUENTMAIL_ENCRYPT_SALT' ) ? FLUENTMAIL_ENCRYPT_SALT : ( ( defined( 'LOGGED_IN_SALT' ) && '' !== LOGGED_IN_SALT ) ? LOGGED_IN_SALT : 'this-is-a-fallback-salt-but-not-secure' );
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- the stored format.
		$raw   = base64_decode( $value, true );
		$ivlen = openssl_cipher_iv_length( 'aes-256-ctr' );
		if ( false === $raw || strlen( $raw ) <= $ivlen ) {
			return '';
		}
		$plain = openssl_decrypt( substr( $raw, $ivlen ), 'aes-256-ctr', $key, 0, substr( $raw, 0, $ivlen ) );
		if ( ! is_string( $plain ) || substr( $plain, -strlen( $salt ) ) !== $salt ) {
			return '';
		}
		return substr( $plain, 0, -strlen( $salt ) );
	}

	/**
	 * Whether wp_mail() is not core's: a plugin defined the pluggable
	 * function, or short-circuits it through `pre_wp_mail`.
	 *
	 * @return array|null {by, file, how} or null when core's wp_mail() sends.
	 */
	public static function wp_mail_override() {
		if ( function_exists( 'wp_mail' ) ) {
			$file = ( new ReflectionFunction( 'wp_mail' ) )->getFileName();
			$core = wp_normalize_path( ABSPATH . WPINC . '/pluggable.php' );
			if ( is_string( $file ) && wp_normalize_path( $file ) !== $core && wp_normalize_path( (string) realpath( $file ) ) !== wp_normalize_path( (string) realpath( $core ) ) ) {
				return array(
					'how'  => 'pluggable',
					'by'   => self::owner_of_file( $file ),
					'file' => self::relative_path( $file ),
				);
			}
		}
		$pre = self::hook_callbacks( 'pre_wp_mail' );
		if ( $pre ) {
			$owners = self::owners_of( $pre );
			return array(
				'how'  => 'pre_wp_mail',
				'by'   => $owners ? implode( ', ', $owners ) : __( 'an unknown plugin', 'smtpdiag' ),
				'file' => '',
			);
		}
		return null;
	}

	/**
	 * Active SMTP plugins this plugin knows, with their settings pages.
	 *
	 * @return array[] {key, label, settings}
	 */
	public static function active_smtp_plugins() {
		$out = array();
		foreach ( self::READERS as $key => $reader ) {
			if ( self::any_active( $reader['plugins'] ) ) {
				$out[] = array(
					'key'      => $key,
					'label'    => $reader['label'],
					'settings' => $reader['settings'],
				);
			}
		}
		return $out;
	}

	/**
	 * Whether any of the plugin files is active (site or network).
	 *
	 * @param string[] $files Plugin basenames.
	 * @return bool
	 */
	public static function any_active( array $files ) {
		$active = (array) get_option( 'active_plugins', array() );
		if ( is_multisite() ) {
			$active = array_merge( $active, array_keys( (array) get_site_option( 'active_sitewide_plugins', array() ) ) );
		}
		return (bool) array_intersect( $files, $active );
	}

	/**
	 * The callables hooked to an action, as [callable...].
	 *
	 * @param string $hook Hook name.
	 * @return array
	 */
	private static function hook_callbacks( $hook ) {
		global $wp_filter;
		$out = array();
		if ( empty( $wp_filter[ $hook ] ) || ! ( $wp_filter[ $hook ] instanceof WP_Hook ) ) {
			return $out;
		}
		foreach ( $wp_filter[ $hook ]->callbacks as $callbacks ) {
			foreach ( $callbacks as $callback ) {
				$out[] = $callback['function'];
			}
		}
		return $out;
	}

	/**
	 * The plugins (by name) that own a list of callables.
	 *
	 * @param array $callables Callables.
	 * @return string[]
	 */
	private static function owners_of( array $callables ) {
		$owners = array();
		foreach ( $callables as $callable ) {
			$file = self::file_of( $callable );
			if ( '' !== $file ) {
				$owners[] = self::owner_of_file( $file );
			}
		}
		return array_values( array_unique( $owners ) );
	}

	/**
	 * The file a callable is defined in ('' when unknown).
	 *
	 * @param mixed $callable Callable.
	 * @return string
	 */
	private static function file_of( $callable ) {
		try {
			if ( is_string( $callable ) && false !== strpos( $callable, '::' ) ) {
				$callable = explode( '::', $callable, 2 );
			}
			if ( is_array( $callable ) && 2 === count( $callable ) ) {
				$reflection = new ReflectionMethod( $callable[0], $callable[1] );
			} elseif ( $callable instanceof Closure || is_string( $callable ) ) {
				$reflection = new ReflectionFunction( $callable );
			} elseif ( is_object( $callable ) && method_exists( $callable, '__invoke' ) ) {
				$reflection = new ReflectionMethod( $callable, '__invoke' );
			} else {
				return '';
			}
		} catch ( ReflectionException $e ) {
			return '';
		}
		$file = $reflection->getFileName();
		return is_string( $file ) ? $file : '';
	}

	/**
	 * A readable owner for a file: the plugin's name, "must-use plugin X",
	 * "theme X" or "WordPress".
	 *
	 * @param string $file Absolute path.
	 * @return string
	 */
	public static function owner_of_file( $file ) {
		$file = wp_normalize_path( $file );
		$dirs = array(
			'plugin'    => wp_normalize_path( WP_PLUGIN_DIR ),
			'mu-plugin' => wp_normalize_path( WPMU_PLUGIN_DIR ),
			'theme'     => wp_normalize_path( get_theme_root() ),
		);
		foreach ( $dirs as $kind => $dir ) {
			if ( 0 !== strpos( $file, $dir . '/' ) ) {
				continue;
			}
			$relative = substr( $file, strlen( $dir ) + 1 );
			$slug     = strtok( $relative, '/' );
			if ( 'plugin' === $kind ) {
				if ( ! function_exists( 'get_plugins' ) ) {
					require_once ABSPATH . 'wp-admin/includes/plugin.php';
				}
				foreach ( get_plugins() as $basename => $data ) {
					if ( 0 === strpos( $basename, $slug . '/' ) || $basename === $slug ) {
						return $data['Name'];
					}
				}
				return $slug;
			}
			if ( 'mu-plugin' === $kind ) {
				/* translators: %s: file name of a must-use plugin. */
				return sprintf( __( 'must-use plugin %s', 'smtpdiag' ), $slug );
			}
			/* translators: %s: theme directory name. */
			return sprintf( __( 'theme %s', 'smtpdiag' ), $slug );
		}
		if ( 0 === strpos( $file, wp_normalize_path( ABSPATH ) ) ) {
			return 'WordPress';
		}
		return self::relative_path( $file );
	}

	/**
	 * A path relative to ABSPATH when inside it.
	 *
	 * @param string $file Path.
	 * @return string
	 */
	private static function relative_path( $file ) {
		$file = wp_normalize_path( $file );
		$root = wp_normalize_path( ABSPATH );
		return 0 === strpos( $file, $root ) ? substr( $file, strlen( $root ) ) : $file;
	}
}
