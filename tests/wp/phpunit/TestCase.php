<?php
/**
 * Shared helpers for the integration tests.
 */

use Yoast\PHPUnitPolyfills\TestCases\TestCase as PolyfillTestCase;

abstract class Smtpdiag_Integration_TestCase extends PolyfillTestCase {

	/** The lab's submission server, as the site's "SMTP plugin" would configure it. */
	const HEALTHY = array(
		'host'     => 'mail.lab.test',
		'port'     => 587,
		'secure'   => 'tls',
		'auth'     => true,
		'username' => 'user@lab.test',
		'password' => 'labpass',
		// mail.lab.test has no SPF/DMARC, so only warnings: lab.test's SPF does not list the relay (spf_fail).
		'from'     => 'user@mail.lab.test',
	);

	const SMTPDIAG_OPTIONS = array( 'smtpdiag_last_result', 'smtpdiag_previous_result', 'smtpdiag_alert', 'smtpdiag_mail_log', 'smtpdiag_settings' );
	const PLUGIN_OPTIONS   = array( 'wp_mail_smtp', 'wp_mail_smtp_mail_key', 'easy_wp_smtp', 'easy_wp_smtp_mail_key', 'swpsmtp_options', 'postman_options', 'fluentmail-settings', 'smtpdiag_lab_smtp', 'smtpdiag_lab_webhooks' );

	/** @var string[] Plugin basenames reported active by the current test. */
	protected $fake_active = array();

	protected function set_up() {
		parent::set_up();
		foreach ( array_merge( self::SMTPDIAG_OPTIONS, self::PLUGIN_OPTIONS ) as $option ) {
			delete_option( $option );
		}
		$this->fake_active = array();
		add_filter( 'option_active_plugins', array( $this, 'filter_active_plugins' ) );
		// Short checks: the lab answers in milliseconds; only black holes take the whole time.
		update_option( 'smtpdiag_settings', array( 'monitoring' => true, 'webhook_url' => '', 'timeout' => 8 ), false );
		wp_set_current_user( 0 );
		_set_cron_array( array() );
	}

	protected function tear_down() {
		remove_filter( 'option_active_plugins', array( $this, 'filter_active_plugins' ) );
		remove_all_filters( 'pre_wp_mail' );
		remove_all_filters( 'smtpdiag_security_plugins' );
		remove_all_filters( 'smtpdiag_http_block' );
		wp_set_current_user( 0 );
		parent::tear_down();
	}

	public function filter_active_plugins( $plugins ) {
		return array_values( array_unique( array_merge( (array) $plugins, $this->fake_active ) ) );
	}

	/** Makes WordPress report these plugins active (their files need not exist). */
	protected function activate( ...$basenames ) {
		$this->fake_active = array_merge( $this->fake_active, $basenames );
	}

	/** Sets what the lab mu-plugin's phpmailer_init applies (null: nothing, PHP mail()). */
	protected function lab_smtp( $settings ) {
		if ( null === $settings ) {
			delete_option( 'smtpdiag_lab_smtp' );
			return;
		}
		update_option( 'smtpdiag_lab_smtp', $settings, false );
	}

	protected function login( $who ) {
		if ( null === $who ) {
			wp_set_current_user( 0 );
			return;
		}
		$user = get_user_by( 'login', $who );
		$this->assertInstanceOf( WP_User::class, $user, "user $who exists" );
		wp_set_current_user( $user->ID );
	}

	protected function rest( $method, $path, array $params = array() ) {
		$request = new WP_REST_Request( $method, $path );
		foreach ( $params as $key => $value ) {
			$request->set_param( $key, $value );
		}
		return rest_do_request( $request );
	}

	/** Every serialized form a password could leak in. */
	protected function assertNoSecret( $haystack, $password = 'labpass', $username = 'user@lab.test' ) {
		$text = is_string( $haystack ) ? $haystack : wp_json_encode( $haystack ) . serialize( $haystack );
		foreach ( array( $password, base64_encode( $password ), base64_encode( "\0" . $username . "\0" . $password ) ) as $form ) {
			$this->assertStringNotContainsString( $form, $text, 'a form of the password leaked' );
		}
	}

	protected function codes( array $record ) {
		return array_column( (array) ( $record['result']['findings'] ?? array() ), 'code' );
	}

	/** Runs WP-CLI (vendor/bin/wp) against the run's site; returns [exit, stdout, stderr]. */
	protected function wp_cli( array $args ) {
		$cmd = array_merge(
			array( PHP_BINARY ),
			preg_split( '/\s+/', trim( (string) getenv( 'WP_TESTS_PHP_ARGS' ) ) ),
			array( dirname( __DIR__ ) . '/vendor/wp-cli/wp-cli/php/boot-fs.php', '--path=' . getenv( 'WP_TESTS_SITE' ), '--url=' . getenv( 'WP_TESTS_URL' ) ),
			$args
		);
		$cmd  = array_values( array_filter( $cmd, 'strlen' ) );
		$proc = proc_open( $cmd, array( 1 => array( 'pipe', 'w' ), 2 => array( 'pipe', 'w' ) ), $pipes );
		$out  = stream_get_contents( $pipes[1] );
		$err  = stream_get_contents( $pipes[2] );
		fclose( $pipes[1] );
		fclose( $pipes[2] );
		return array( proc_close( $proc ), $out, $err );
	}
}
