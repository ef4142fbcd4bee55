<?php
/**
 * Settings discovery: phpmailer_init on a throwaway PHPMailer, then each
 * supported SMTP plugin's stored options in its real format (encrypted
 * passwords included), and wp_mail() replacements.
 */
class SettingsDiscoveryTest extends Smtpdiag_Integration_TestCase {

	public function test_reads_what_phpmailer_init_sets() {
		$this->lab_smtp( self::HEALTHY );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'phpmailer_init', $s['source'] );
		$this->assertSame( 'smtp', $s['mailer'] );
		$this->assertSame( 'mail.lab.test', $s['host'] );
		$this->assertSame( 587, $s['port'] );
		$this->assertSame( 'starttls', $s['encryption'] );
		$this->assertTrue( $s['auth'] );
		$this->assertSame( 'user@lab.test', $s['username'] );
		$this->assertSame( 'labpass', $s['password'] );
		$this->assertSame( 'user@mail.lab.test', $s['from'] );
		$this->assertStringContainsString( 'smtpdiag-lab.php', $s['source_label'], 'names the code that hooked phpmailer_init' );
		$this->assertNull( $s['mail_overridden'] );
	}

	public function test_implicit_tls_and_host_prefixes() {
		$this->lab_smtp( array( 'host' => 'ssl://mail.lab.test:465', 'port' => 25, 'secure' => '', 'auth' => false ) );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'mail.lab.test', $s['host'] );
		$this->assertSame( 465, $s['port'] );
		$this->assertSame( 'tls', $s['encryption'] );

		$parsed = Smtpdiag_Mail_Settings::parse_phpmailer_host( 'a.example.org;b.example.org', 587 );
		$this->assertSame( 'a.example.org', $parsed['host'], 'the first of several hosts' );
		$parsed = Smtpdiag_Mail_Settings::parse_phpmailer_host( '[2001:db8::25]:2525', 25 );
		$this->assertSame( '2001:db8::25', $parsed['host'] );
		$this->assertSame( 2525, $parsed['port'] );
	}

	public function test_php_mail_when_nothing_configures_smtp() {
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'mail', $s['mailer'] );
		$this->assertSame( '', $s['host'] );
		$this->assertNull( Smtpdiag_Mail_Settings::to_core_config( $s ) );
	}

	public function test_public_view_has_no_password() {
		$this->lab_smtp( self::HEALTHY );
		$public = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		$this->assertArrayNotHasKey( 'password', $public );
		$this->assertTrue( $public['password_set'] );
		$this->assertNoSecret( $public );
	}

	public function test_wp_mail_smtp_options_with_sealed_password() {
		$key = sodium_crypto_secretbox_keygen();
		update_option( 'wp_mail_smtp_mail_key', base64_encode( $key ) );
		update_option(
			'wp_mail_smtp',
			array(
				'mail' => array( 'mailer' => 'smtp', 'from_email' => 'site@lab.test', 'from_name' => 'Site' ),
				'smtp' => array( 'host' => 'mail.lab.test', 'port' => 465, 'encryption' => 'ssl', 'auth' => true, 'user' => 'user@lab.test', 'pass' => $this->seal( 'labpass', $key ), 'autotls' => true ),
			)
		);
		$this->assertSame( 'mail', Smtpdiag_Mail_Settings::discover()['mailer'], 'options of an inactive plugin are ignored' );

		$this->activate( 'wp-mail-smtp/wp_mail_smtp.php' );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'wp_mail_smtp', $s['source'] );
		$this->assertSame( 'WP Mail SMTP', $s['source_label'] );
		$this->assertSame( 'mail.lab.test', $s['host'] );
		$this->assertSame( 465, $s['port'] );
		$this->assertSame( 'tls', $s['encryption'] );
		$this->assertTrue( $s['auth'] );
		$this->assertSame( 'user@lab.test', $s['username'] );
		$this->assertSame( 'labpass', $s['password'], 'the sodium-sealed password is opened with the stored key' );
		$this->assertSame( 'site@lab.test', $s['from'] );
	}

	public function test_wp_mail_smtp_api_mailer_is_not_smtp() {
		update_option( 'wp_mail_smtp', array( 'mail' => array( 'mailer' => 'mailgun', 'from_email' => 'site@lab.test' ) ) );
		$this->activate( 'wp-mail-smtp/wp_mail_smtp.php' );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'mailgun', $s['mailer'] );
		$this->assertStringContainsString( 'HTTPS API', $s['note'] );
		$record = Smtpdiag_Runner::diagnose( 'test', null, false );
		$this->assertSame( 'not_smtp', $record['error'] );
	}

	public function test_easy_wp_smtp_2_options() {
		$key = sodium_crypto_secretbox_keygen();
		update_option( 'easy_wp_smtp_mail_key', base64_encode( $key ) );
		update_option(
			'easy_wp_smtp',
			array(
				'mail' => array( 'mailer' => 'smtp', 'from_email' => 'easy@lab.test' ),
				'smtp' => array( 'host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'tls', 'auth' => true, 'user' => 'user@lab.test', 'pass' => $this->seal( 'labpass', $key ) ),
			)
		);
		$this->activate( 'easy-wp-smtp/easy-wp-smtp.php' );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'easy_wp_smtp', $s['source'] );
		$this->assertSame( 'starttls', $s['encryption'] );
		$this->assertSame( 'labpass', $s['password'] );
		$this->assertSame( 'easy@lab.test', $s['from'] );
	}

	public function test_easy_wp_smtp_1_options() {
		update_option(
			'swpsmtp_options',
			array(
				'from_email_field' => 'old@lab.test',
				'from_name_field'  => 'Old',
				'smtp_settings'    => array( 'host' => 'mail.lab.test', 'type_encryption' => 'ssl', 'port' => '465', 'autentication' => 'yes', 'username' => 'user@lab.test', 'password' => base64_encode( 'labpass' ) ),
			)
		);
		$this->activate( 'easy-wp-smtp/easy-wp-smtp.php' );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'easy_wp_smtp', $s['source'] );
		$this->assertSame( 465, $s['port'] );
		$this->assertSame( 'tls', $s['encryption'] );
		$this->assertTrue( $s['auth'] );
		$this->assertSame( 'labpass', $s['password'] );
		$this->assertSame( 'old@lab.test', $s['from'] );
	}

	public function test_post_smtp_options() {
		update_option(
			'postman_options',
			array(
				'transport_type'      => 'smtp',
				'hostname'            => 'mail.lab.test',
				'port'                => 587,
				'enc_type'            => 'tls',
				'auth_type'           => 'login',
				'basic_auth_username' => 'user@lab.test',
				'basic_auth_password' => base64_encode( 'labpass' ),
				'sender_email'        => 'post@lab.test',
			)
		);
		$this->activate( 'post-smtp/postman-smtp.php' );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'post_smtp', $s['source'] );
		$this->assertSame( 'mail.lab.test', $s['host'] );
		$this->assertSame( 'starttls', $s['encryption'] );
		$this->assertSame( 'login', $s['auth_type'] );
		$this->assertSame( 'labpass', $s['password'] );
		$this->assertSame( 'post@lab.test', $s['from'] );
		$config = Smtpdiag_Mail_Settings::to_core_config( $s );
		$this->assertSame( 'login', $config['auth']['mechanism'] );
	}

	public function test_fluent_smtp_options_with_encrypted_password() {
		$iv        = random_bytes( openssl_cipher_iv_length( 'aes-256-ctr' ) );
		$encrypted = base64_encode( $iv . openssl_encrypt( 'labpass' . LOGGED_IN_SALT, 'aes-256-ctr', LOGGED_IN_KEY, 0, $iv ) );
		update_option(
			'fluentmail-settings',
			array(
				'use_encrypt' => 'yes',
				'misc'        => array( 'default_connection' => 'abc' ),
				'connections' => array(
					'other' => array( 'provider_settings' => array( 'provider' => 'smtp', 'host' => 'wrong.lab.test' ) ),
					'abc'   => array(
						'provider_settings' => array(
							'provider'     => 'smtp',
							'host'         => 'mail.lab.test',
							'port'         => '465',
							'encryption'   => 'ssl',
							'auth'         => 'yes',
							'auto_tls'     => 'yes',
							'username'     => 'user@lab.test',
							'password'     => $encrypted,
							'key_store'    => 'db',
							'sender_email' => 'fluent@lab.test',
						),
					),
				),
			)
		);
		$this->activate( 'fluent-smtp/fluent-smtp.php' );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'fluent_smtp', $s['source'] );
		$this->assertSame( 'mail.lab.test', $s['host'], 'the default connection, not the first' );
		$this->assertSame( 465, $s['port'] );
		$this->assertSame( 'tls', $s['encryption'] );
		$this->assertSame( 'labpass', $s['password'], 'AES-256-CTR with LOGGED_IN_KEY/SALT' );
		$this->assertSame( 'fluent@lab.test', $s['from'] );
	}

	public function test_phpmailer_init_wins_over_stored_options() {
		update_option( 'postman_options', array( 'transport_type' => 'smtp', 'hostname' => 'stale.lab.test', 'port' => 25 ) );
		$this->activate( 'post-smtp/postman-smtp.php' );
		$this->lab_smtp( self::HEALTHY );
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertSame( 'phpmailer_init', $s['source'] );
		$this->assertSame( 'mail.lab.test', $s['host'] );
	}

	public function test_pre_wp_mail_short_circuit_is_mail_overridden() {
		add_filter(
			'pre_wp_mail',
			static function () {
				return true;
			}
		);
		$s = Smtpdiag_Mail_Settings::discover();
		$this->assertIsArray( $s['mail_overridden'] );
		$this->assertSame( 'pre_wp_mail', $s['mail_overridden']['how'] );
		$found = Smtpdiag_Environment::findings_for( array( 'findings' => array() ), Smtpdiag_Mail_Settings::public_view( $s ) );
		$this->assertContains( 'mail_overridden', array_column( $found, 'code' ) );
	}

	public function test_pluggable_wp_mail_replacement_is_named() {
		// wp_mail() is defined once per process: ask a fresh WordPress whose mu-plugin defines it.
		update_option( 'smtpdiag_lab_override_wp_mail', 1 );
		try {
			list( $exit, $out, $err ) = $this->wp_cli( array( 'smtpdiag', 'diagnose', '--format=json' ) );
		} finally {
			delete_option( 'smtpdiag_lab_override_wp_mail' );
		}
		$rows = json_decode( $out, true );
		$this->assertIsArray( $rows, "wp smtpdiag diagnose printed JSON (stderr: $err)" );
		$row = array_values( array_filter( $rows, static fn( $r ) => 'mail_overridden' === $r['code'] ) );
		$this->assertCount( 1, $row, 'mail_overridden reported' );
		$this->assertSame( 'warning', $row[0]['severity'], 'its settings cannot be read' );
		$this->assertSame( 0, $exit );
	}

	private function seal( $plain, $key ) {
		$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		return base64_encode( $nonce . sodium_crypto_secretbox( $plain, $nonce, $key ) );
	}
}
