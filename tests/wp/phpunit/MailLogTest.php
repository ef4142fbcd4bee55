<?php
/**
 * The wp_mail_failed log: recipient domains only, the error without
 * addresses, the diagnosis of the moment, the last 50 kept.
 */
class MailLogTest extends Smtpdiag_Integration_TestCase {

	public function test_a_real_failure_is_logged_with_domains_only_and_correlated() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'password' => 'wrong-pass' ) ) );
		$record = Smtpdiag_Runner::diagnose( 'manual' );
		$this->assertSame( 'auth_failed', $record['result']['root_cause'] );

		$sent = wp_mail( array( 'Alice <alice@lab.test>', 'bob@example.org' ), 'hello', 'body' );
		$this->assertFalse( $sent );
		$log = Smtpdiag_Store::log();
		$this->assertCount( 1, $log );
		$entry = $log[0];
		$this->assertEqualsCanonicalizing( array( 'lab.test', 'example.org' ), $entry['recipient_domains'] );
		$this->assertNotSame( '', $entry['error'] );
		$this->assertStringNotContainsString( 'alice@', wp_json_encode( $entry ) );
		$this->assertStringNotContainsString( 'bob@', wp_json_encode( $entry ) );
		$this->assertStringNotContainsString( 'user@lab.test', wp_json_encode( $entry ), 'the SMTP username is not logged' );
		$this->assertNoSecret( $entry, 'wrong-pass' );
		$this->assertSame( 'auth_failed', $entry['diagnosis']['root_cause'] );
		$this->assertSame( $record['taken_at'], $entry['diagnosis']['taken_at'] );
		$this->assertFalse( $entry['test'] );
	}

	public function test_a_failure_without_a_recent_diagnosis_schedules_one() {
		do_action( 'wp_mail_failed', new WP_Error( 'wp_mail_failed', 'SMTP Error: Could not connect to SMTP host.', array( 'to' => array( 'x@lab.test' ) ) ) );
		$this->assertNotFalse( wp_next_scheduled( Smtpdiag_Mail_Log::FAILURE_HOOK ) );
		$this->assertNull( Smtpdiag_Store::log()[0]['diagnosis'] );
	}

	public function test_addresses_in_error_messages_keep_only_their_domain() {
		do_action( 'wp_mail_failed', new WP_Error( 'wp_mail_failed', 'SMTP Error: The following recipients failed: carol@example.net: 550 unknown user', array( 'to' => array( 'carol@example.net' ) ) ) );
		$entry = Smtpdiag_Store::log()[0];
		$this->assertStringContainsString( '…@example.net', $entry['error'] );
		$this->assertStringNotContainsString( 'carol', $entry['error'] );
	}

	public function test_keeps_the_last_50() {
		for ( $i = 0; $i < 55; $i++ ) {
			do_action( 'wp_mail_failed', new WP_Error( 'wp_mail_failed', "failure $i", array( 'to' => array( 'x@lab.test' ) ) ) );
		}
		$log = Smtpdiag_Store::log();
		$this->assertCount( 50, $log );
		$this->assertSame( 'failure 54', $log[0]['error'], 'newest first' );
		$this->assertSame( 'failure 5', $log[49]['error'] );
	}
}
