<?php
/**
 * Monitoring: the daily WP-Cron check, the check after a settings change,
 * the regression alert (admin notice, dashboard widget, webhook) and recovery.
 */
class MonitorTest extends Smtpdiag_Integration_TestCase {

	public function test_activation_schedules_the_daily_check_and_deactivation_removes_it() {
		Smtpdiag_Plugin::activate();
		$this->assertNotFalse( wp_next_scheduled( Smtpdiag_Monitor::DAILY_HOOK ) );
		$this->assertSame( 'daily', wp_get_schedule( Smtpdiag_Monitor::DAILY_HOOK ) );
		Smtpdiag_Plugin::deactivate();
		$this->assertFalse( wp_next_scheduled( Smtpdiag_Monitor::DAILY_HOOK ) );
	}

	public function test_a_mail_settings_change_schedules_a_check() {
		$this->assertFalse( wp_next_scheduled( Smtpdiag_Monitor::CHANGE_HOOK ) );
		update_option( 'wp_mail_smtp', array( 'mail' => array( 'mailer' => 'smtp' ) ) );
		$this->assertNotFalse( wp_next_scheduled( Smtpdiag_Monitor::CHANGE_HOOK ) );
	}

	public function test_monitoring_off_schedules_nothing() {
		update_option( 'smtpdiag_settings', array( 'monitoring' => false, 'webhook_url' => '', 'timeout' => 8 ), false );
		Smtpdiag_Monitor::ensure_scheduled();
		update_option( 'postman_options', array( 'hostname' => 'x' ) );
		$this->assertFalse( wp_next_scheduled( Smtpdiag_Monitor::DAILY_HOOK ) );
		$this->assertFalse( wp_next_scheduled( Smtpdiag_Monitor::CHANGE_HOOK ) );
	}

	public function test_regression_opens_an_alert_notice_widget_and_webhook_then_recovery_closes_it() {
		$webhook = getenv( 'WP_TESTS_URL' ) . '/wp-json/smtpdiag-lab/v1/webhook';
		update_option( 'smtpdiag_settings', array( 'monitoring' => true, 'webhook_url' => $webhook, 'timeout' => 8 ), false );

		$this->lab_smtp( self::HEALTHY );
		do_action( Smtpdiag_Monitor::DAILY_HOOK );
		$this->assertSame( 'cron', Smtpdiag_Store::last()['trigger'] );
		$this->assertNull( Smtpdiag_Store::alert(), 'healthy: no alert' );

		$this->lab_smtp( array_merge( self::HEALTHY, array( 'password' => 'changed-elsewhere' ) ) );
		do_action( Smtpdiag_Monitor::CHANGE_HOOK );
		$alert = Smtpdiag_Store::alert();
		$this->assertIsArray( $alert, 'regression: alert open' );
		$this->assertSame( 'auth_failed', $alert['root_cause'] );
		$this->assertSame( 200, $alert['webhook']['code'] ?? null, wp_json_encode( $alert['webhook'] ) );

		wp_cache_delete( 'smtpdiag_lab_webhooks', 'options' );
		wp_cache_delete( 'alloptions', 'options' );
		$received = get_option( 'smtpdiag_lab_webhooks' );
		$this->assertCount( 1, $received );
		$this->assertSame( 'regression', $received[0]['event'] );
		$this->assertSame( 'auth_failed', $received[0]['root_cause'] );
		$this->assertSame( 'mail.lab.test', $received[0]['server']['host'] );
		$this->assertNoSecret( $received, 'changed-elsewhere' );
		$this->assertStringNotContainsString( 'user@lab.test', wp_json_encode( $received ), 'no username in the webhook' );

		// The notice and the widget, rendered for an admin, escaped.
		$this->login( 'admin' );
		set_current_screen( 'dashboard' );
		ob_start();
		Smtpdiag_Admin::notice();
		$notice = ob_get_clean();
		$this->assertStringContainsString( 'Mail from this site is failing', $notice );
		$this->assertStringContainsString( esc_html( $alert['title'] ), $notice );
		$this->assertStringContainsString( '_wpnonce=', $notice, 'the dismiss link carries a nonce' );
		ob_start();
		Smtpdiag_Admin::render_dashboard_widget();
		$widget = ob_get_clean();
		$this->assertStringContainsString( 'smtpdiag-state-critical', $widget );
		$this->assertStringContainsString( 'Failing since', $widget );

		// Not for a subscriber.
		$this->login( 'subscriber' );
		ob_start();
		Smtpdiag_Admin::notice();
		$this->assertSame( '', ob_get_clean() );

		// Recovery.
		$this->lab_smtp( self::HEALTHY );
		do_action( Smtpdiag_Monitor::DAILY_HOOK );
		$this->assertNull( Smtpdiag_Store::alert(), 'recovered: alert closed' );
		wp_cache_delete( 'smtpdiag_lab_webhooks', 'options' );
		$received = get_option( 'smtpdiag_lab_webhooks' );
		$this->assertSame( 'recovered', end( $received )['event'] );
	}

	public function test_a_dismissed_alert_stays_closed_until_the_cause_changes() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'password' => 'wrong' ) ) );
		Smtpdiag_Runner::diagnose( 'cron' );
		$this->assertIsArray( Smtpdiag_Store::alert() );
		Smtpdiag_Store::set_alert( null ); // What the dismiss link does.
		Smtpdiag_Runner::diagnose( 'cron' );
		$this->assertNull( Smtpdiag_Store::alert(), 'same cause: stays dismissed' );
		$this->lab_smtp( array( 'host' => 'script.lab.test', 'port' => 2612, 'secure' => '', 'autotls' => false, 'auth' => false, 'from' => 'user@mail.lab.test' ) );
		Smtpdiag_Runner::diagnose( 'cron' );
		$alert = Smtpdiag_Store::alert();
		$this->assertIsArray( $alert, 'a new cause opens it again' );
		$this->assertSame( 'greeting_rejected', $alert['root_cause'] );
	}
}
