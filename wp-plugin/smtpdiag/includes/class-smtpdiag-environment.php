<?php
/**
 * What only WordPress can see: security plugins, WP_HTTP_BLOCK_EXTERNAL, a replaced wp_mail().
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Adds WordPress-only findings to the core's result. It never re-judges the
 * core's findings: a security plugin is named only where the core already
 * found a port blocked on this host.
 */
final class Smtpdiag_Environment {

	/**
	 * Security plugins known to block outbound connections (their own
	 * firewalls, or rules they push to the host's firewall): file => [name, settings page].
	 *
	 * @var array<string,string[]>
	 */
	const SECURITY_PLUGINS = array(
		'wordfence/wordfence.php'                       => array( 'Wordfence Security', 'admin.php?page=WordfenceWAF' ),
		'better-wp-security/better-wp-security.php'     => array( 'Solid Security', 'admin.php?page=itsec' ),
		'ithemes-security-pro/ithemes-security-pro.php' => array( 'Solid Security Pro', 'admin.php?page=itsec' ),
		'all-in-one-wp-security-and-firewall/wp-security.php' => array( 'All-In-One Security (AIOS)', 'admin.php?page=aiowpsec_firewall' ),
		'wp-simple-firewall/icwp-wpsf.php'              => array( 'Shield Security', 'admin.php?page=icwp-wpsf-plugin' ),
		'sucuri-scanner/sucuri.php'                     => array( 'Sucuri Security', 'admin.php?page=sucuriscan_settings' ),
		'ninjafirewall/ninjafirewall.php'               => array( 'NinjaFirewall', 'admin.php?page=nfsubopt' ),
		'bulletproof-security/bulletproof-security.php' => array( 'BulletProof Security', 'admin.php?page=bulletproof-security/admin/core/core.php' ),
		'wp-cerber/wp-cerber.php'                       => array( 'WP Cerber Security', 'admin.php?page=cerber-security' ),
		'defender-security/wp-defender.php'             => array( 'Defender Security', 'admin.php?page=wdf-firewall' ),
		'malcare-security/malcare.php'                  => array( 'MalCare Security', 'admin.php?page=malcare' ),
	);

	/**
	 * Functions PHPMailer needs to talk SMTP (stream_socket_client, with
	 * fsockopen as its fallback) or to hand mail to sendmail (mail()).
	 *
	 * @var string[]
	 */
	const PHP_FUNCTIONS = array( 'stream_socket_client', 'stream_socket_enable_crypto', 'fsockopen', 'mail', 'openssl_x509_parse' );

	/**
	 * Active security plugins.
	 *
	 * @return array[] {file, name, settings_url}
	 */
	public static function security_plugins() {
		$out = array();
		foreach ( self::SECURITY_PLUGINS as $file => $info ) {
			if ( Smtpdiag_Mail_Settings::any_active( array( $file ) ) ) {
				$out[] = array(
					'file'         => $file,
					'name'         => $info[0],
					'settings_url' => admin_url( $info[1] ),
				);
			}
		}
		/**
		 * Filters the active security plugins smtpdiag names when a port is
		 * blocked on this host.
		 *
		 * @param array[] $out {file, name, settings_url}.
		 */
		return apply_filters( 'smtpdiag_security_plugins', $out );
	}

	/**
	 * WP_HTTP_BLOCK_EXTERNAL and the hosts it still allows.
	 *
	 * @return array{blocked:bool,accessible_hosts:string}
	 */
	public static function http_block() {
		/**
		 * Filters what smtpdiag knows of WP_HTTP_BLOCK_EXTERNAL (for hosts
		 * that block outgoing HTTP another way).
		 *
		 * @param array $block {blocked: bool, accessible_hosts: string}.
		 */
		return apply_filters(
			'smtpdiag_http_block',
			array(
				'blocked'          => defined( 'WP_HTTP_BLOCK_EXTERNAL' ) && WP_HTTP_BLOCK_EXTERNAL,
				'accessible_hosts' => defined( 'WP_ACCESSIBLE_HOSTS' ) ? (string) WP_ACCESSIBLE_HOSTS : '',
			)
		);
	}

	/**
	 * PHP functions mail needs, and which are unavailable.
	 *
	 * @return array<string,bool> function => available
	 */
	public static function php_functions() {
		$disabled = array_map( 'trim', explode( ',', (string) ini_get( 'disable_functions' ) ) );
		$out      = array();
		foreach ( self::PHP_FUNCTIONS as $function ) {
			$out[ $function ] = function_exists( $function ) && ! in_array( $function, $disabled, true );
		}
		return $out;
	}

	/**
	 * The CA bundle PHP's streams (and so PHPMailer) verify with.
	 *
	 * @return array{file:string,source:string,readable:bool,certificates:int,modified:int}
	 */
	public static function ca_bundle() {
		$ini       = (string) ini_get( 'openssl.cafile' );
		$locations = function_exists( 'openssl_get_cert_locations' ) ? openssl_get_cert_locations() : array();
		$file      = '' !== $ini ? $ini : (string) ( $locations['default_cert_file'] ?? '' );
		$source    = '' !== $ini ? 'openssl.cafile' : 'openssl default';
		$readable  = '' !== $file && is_readable( $file );
		$count     = 0;
		$modified  = 0;
		if ( $readable ) {
			$size = (int) filesize( $file );
			if ( $size > 0 && $size < 16 * 1024 * 1024 ) {
				// phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local file, read to count certificates.
				$count = substr_count( (string) file_get_contents( $file ), '-----BEGIN CERTIFICATE-----' );
			}
			$modified = (int) filemtime( $file );
		}
		return array(
			'file'         => $file,
			'source'       => $source,
			'readable'     => $readable,
			'certificates' => $count,
			'modified'     => $modified,
		);
	}

	/**
	 * A finding in the contract's shape.
	 *
	 * @param string $code     Finding code.
	 * @param string $severity critical|warning|info|ok.
	 * @param string $title    Title.
	 * @param string $detail   What was observed.
	 * @param string $fix      What to do.
	 * @param array  $evidence Evidence.
	 * @return array
	 */
	public static function finding( $code, $severity, $title, $detail, $fix, array $evidence = array() ) {
		return array(
			'code'     => $code,
			'severity' => $severity,
			'title'    => $title,
			'detail'   => $detail,
			'fix'      => $fix,
			'evidence' => $evidence,
			'source'   => 'wordpress',
		);
	}

	/**
	 * Ports the core found blocked on this host (probe states and findings).
	 *
	 * @param array $result A diagnose()/probe() result.
	 * @return int[]
	 */
	public static function locally_blocked_ports( array $result ) {
		$ports = array();
		$probe = isset( $result['probe'] ) && is_array( $result['probe'] ) ? $result['probe'] : $result;
		foreach ( (array) ( $probe['ports'] ?? array() ) as $row ) {
			if ( is_array( $row ) && 'blocked_local' === ( $row['state'] ?? '' ) ) {
				$ports[] = (int) $row['port'];
			}
		}
		foreach ( (array) ( $result['findings'] ?? array() ) as $finding ) {
			if ( is_array( $finding ) && 'port_blocked_local' === ( $finding['code'] ?? '' ) && isset( $finding['evidence']['port'] ) ) {
				$ports[] = (int) $finding['evidence']['port'];
			}
		}
		$ports = array_values( array_unique( $ports ) );
		sort( $ports );
		return $ports;
	}

	/**
	 * The WordPress-only findings for a result.
	 *
	 * @param array $result   The core's result (diagnose() or a partial one).
	 * @param array $settings Discovered mail settings (public view is enough).
	 * @return array[] Findings.
	 */
	public static function findings_for( array $result, array $settings ) {
		$findings = array();
		$blocked  = self::locally_blocked_ports( $result );
		$http     = self::http_block();

		if ( $blocked ) {
			$plugins = self::security_plugins();
			if ( $plugins ) {
				$names      = wp_list_pluck( $plugins, 'name' );
				$findings[] = self::finding(
					'security_plugin_blocking',
					'critical',
					__( 'A security plugin may be blocking outgoing mail', 'smtpdiag' ),
					sprintf(
						/* translators: 1: port list, 2: plugin names. */
						__( 'Port %1$s is blocked on this server itself, and these security plugins are active: %2$s.', 'smtpdiag' ),
						implode( ', ', $blocked ),
						implode( ', ', $names )
					) . ( $http['blocked'] ? ' ' . __( 'WP_HTTP_BLOCK_EXTERNAL is also set, which blocks HTTPS mail APIs.', 'smtpdiag' ) : '' ),
					sprintf(
						/* translators: 1: plugin names, 2: port list. */
						__( 'In %1$s, allow outgoing connections to your mail server on port %2$s (or turn its outbound firewall / SMTP block off), then run the checks again. Deactivating the plugin for a minute confirms it.', 'smtpdiag' ),
						implode( ', ', $names ),
						implode( ', ', $blocked )
					),
					array(
						'ports'         => $blocked,
						'plugins'       => $names,
						'settings_urls' => wp_list_pluck( $plugins, 'settings_url' ),
						'http_blocked'  => $http['blocked'],
					)
				);
			}
		}

		if ( $http['blocked'] ) {
			$api        = ! in_array( $settings['mailer'] ?? 'mail', array( 'smtp', 'mail', 'sendmail', 'qmail' ), true );
			$findings[] = self::finding(
				'wp_http_block_external',
				( $api || $blocked ) ? 'warning' : 'info',
				__( 'WP_HTTP_BLOCK_EXTERNAL blocks outgoing HTTP requests', 'smtpdiag' ),
				$api
					? sprintf(
						/* translators: %s: mailer name. */
						__( 'The site sends through the "%s" HTTPS API, and WP_HTTP_BLOCK_EXTERNAL blocks WordPress\'s outgoing HTTP requests.', 'smtpdiag' ),
						$settings['mailer']
					)
					: __( 'WP_HTTP_BLOCK_EXTERNAL is set. It does not block SMTP, but it blocks HTTPS mail APIs (the usual way round a blocked SMTP port) and smtpdiag\'s webhook.', 'smtpdiag' ),
				__( 'Add the mail API\'s host (and the webhook\'s) to WP_ACCESSIBLE_HOSTS in wp-config.php, or remove WP_HTTP_BLOCK_EXTERNAL.', 'smtpdiag' ),
				array(
					'accessible_hosts' => $http['accessible_hosts'],
					'mailer'           => $settings['mailer'] ?? '',
				)
			);
		}

		$overridden = $settings['mail_overridden'] ?? null;
		if ( is_array( $overridden ) ) {
			$read_from  = in_array( $settings['source'] ?? '', array_keys( Smtpdiag_Mail_Settings::READERS ), true );
			$findings[] = self::finding(
				'mail_overridden',
				$read_from ? 'info' : 'warning',
				__( 'A plugin replaces wp_mail()', 'smtpdiag' ),
				'pluggable' === $overridden['how']
					? sprintf(
						/* translators: 1: plugin name, 2: file. */
						__( 'wp_mail() is defined by %1$s (%2$s), not by WordPress: mail goes through that plugin\'s own transport.', 'smtpdiag' ),
						$overridden['by'],
						$overridden['file']
					)
					: sprintf(
						/* translators: %s: plugin name. */
						__( '%s short-circuits wp_mail() through the pre_wp_mail filter: mail goes through that plugin\'s own transport.', 'smtpdiag' ),
						$overridden['by']
					),
				$read_from
					? sprintf(
						/* translators: %s: plugin name. */
						__( 'smtpdiag tested the settings stored by %s. Use that plugin\'s own test email as well.', 'smtpdiag' ),
						$settings['source_label'] ?? ''
					)
					: __( 'smtpdiag cannot read this plugin\'s settings: enter its server in the test-send form, and use the plugin\'s own test email.', 'smtpdiag' ),
				$overridden
			);
		}

		return $findings;
	}

	/**
	 * Adds the WordPress findings to a result: a security_plugin_blocking
	 * finding goes right after the root cause it explains; the rest are
	 * ordered most severe first with the core's (stable).
	 *
	 * @param array $result   Result with 'findings' and 'root_cause'.
	 * @param array $settings Discovered settings.
	 * @return array
	 */
	public static function augment( array $result, array $settings ) {
		$core     = array_values( (array) ( $result['findings'] ?? array() ) );
		$extra    = self::findings_for( $result, $settings );
		$rank     = array(
			'critical' => 0,
			'warning'  => 1,
			'info'     => 2,
			'ok'       => 3,
		);
		$indexed  = array();
		$position = 0;
		foreach ( array_merge( $core, $extra ) as $finding ) {
			$indexed[] = array( $rank[ $finding['severity'] ?? 'info' ] ?? 2, $position++, $finding );
		}
		usort(
			$indexed,
			static function ( $a, $b ) {
				return 0 !== ( $a[0] <=> $b[0] ) ? ( $a[0] <=> $b[0] ) : ( $a[1] <=> $b[1] );
			}
		);
		$sorted = array_column( $indexed, 2 );

		$root = $result['root_cause'] ?? null;
		if ( null !== $root ) {
			$plugin_finding = null;
			foreach ( $sorted as $i => $finding ) {
				if ( 'security_plugin_blocking' === $finding['code'] ) {
					$plugin_finding = $finding;
					unset( $sorted[ $i ] );
				}
			}
			$sorted = array_values( $sorted );
			if ( null !== $plugin_finding ) {
				$at = 0;
				foreach ( $sorted as $i => $finding ) {
					if ( $finding['code'] === $root ) {
						$at = $i + 1;
						break;
					}
				}
				array_splice( $sorted, $at, 0, array( $plugin_finding ) );
			}
		}
		$result['findings'] = $sorted;
		return $result;
	}
}
