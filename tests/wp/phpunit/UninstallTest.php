<?php
/**
 * uninstall.php removes the plugin's options and schedules, and nothing else.
 */
class UninstallTest extends Smtpdiag_Integration_TestCase {

	public function test_uninstall_removes_its_options_and_leaves_the_mail_plugins_alone() {
		$this->lab_smtp( self::HEALTHY );
		Smtpdiag_Runner::diagnose( 'test' );
		do_action( 'wp_mail_failed', new WP_Error( 'wp_mail_failed', 'x', array( 'to' => array( 'a@lab.test' ) ) ) );
		Smtpdiag_Plugin::activate();
		update_option( 'wp_mail_smtp', array( 'mail' => array( 'mailer' => 'smtp' ) ) );
		foreach ( array( 'smtpdiag_last_result', 'smtpdiag_mail_log', 'smtpdiag_settings' ) as $option ) {
			$this->assertNotFalse( get_option( $option ), $option );
		}

		// Uninstall defines WP_UNINSTALL_PLUGIN: do it in another process.
		$code = 'require getenv("WP_TESTS_SITE") . "/wp-load.php"; define("WP_UNINSTALL_PLUGIN", "smtpdiag/smtpdiag.php"); include WP_PLUGIN_DIR . "/smtpdiag/uninstall.php"; echo "done";';
		$cmd  = array_merge( array( PHP_BINARY ), array_values( array_filter( preg_split( '/\s+/', (string) getenv( 'WP_TESTS_PHP_ARGS' ) ), 'strlen' ) ), array( '-r', '$_SERVER["HTTP_HOST"]="' . parse_url( getenv( 'WP_TESTS_URL' ), PHP_URL_HOST ) . '"; ' . $code ) );
		$proc = proc_open( $cmd, array( 1 => array( 'pipe', 'w' ), 2 => array( 'pipe', 'w' ) ), $pipes );
		$out  = stream_get_contents( $pipes[1] );
		$err  = stream_get_contents( $pipes[2] );
		proc_close( $proc );
		$this->assertSame( 'done', $out, $err );

		wp_cache_flush();
		foreach ( self::SMTPDIAG_OPTIONS as $option ) {
			$this->assertFalse( get_option( $option ), "$option removed" );
		}
		$this->assertFalse( wp_next_scheduled( Smtpdiag_Monitor::DAILY_HOOK ) );
		$this->assertIsArray( get_option( 'wp_mail_smtp' ), 'other plugins\' options untouched' );
	}
}
