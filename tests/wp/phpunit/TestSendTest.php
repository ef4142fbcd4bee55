<?php
/**
 * The test-send tool: through wp_mail() (PHPMailer's own transcript,
 * credentials masked) and directly through the library; failures carry the diagnosis.
 */
class TestSendTest extends Smtpdiag_Integration_TestCase {

	public function test_wp_mail_with_the_site_settings_is_delivered_and_transcribed() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'from' => 'user@lab.test' ) ) );
		$result = Smtpdiag_Test_Send::via_wp_mail( 'alice@lab.test' );
		$this->assertTrue( $result['ok'], wp_json_encode( array( $result['error'], $result['stage'] ) ) );
		$this->assertSame( 'done', $result['stage'] );
		$texts = array_column( $result['transcript'], 'text' );
		$this->assertNotEmpty( preg_grep( '/^EHLO /', $texts ) );
		$this->assertNotEmpty( preg_grep( '/^STARTTLS/', $texts ) );
		$this->assertContains( 'AUTH LOGIN', $texts );
		$this->assertContains( Smtpdiag_Redactor::MASK, $texts, 'the base64 username and password lines are masked' );
		$this->assertNotEmpty( preg_grep( '/^235 /', $texts ) );
		$this->assertNoSecret( $result );
		foreach ( $result['transcript'] as $line ) {
			$this->assertContains( $line['dir'], array( 'C', 'S', '*' ) );
			$this->assertIsFloat( $line['t_ms'] + 0.0 );
		}
		// Postfix took it: the reply to the end of DATA.
		$this->assertNotEmpty( preg_grep( '/^250 2\.0\.0 Ok: queued as [0-9A-F]+/', $texts ), 'the server queued the message' );
	}

	public function test_wp_mail_failure_shows_stage_reply_and_diagnosis() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'password' => 'not-the-password' ) ) );
		$result = Smtpdiag_Test_Send::via_wp_mail( 'alice@lab.test' );
		$this->assertFalse( $result['ok'] );
		$this->assertSame( 'auth', $result['stage'] );
		$this->assertSame( 535, $result['reply']['code'] );
		$this->assertStringContainsString( 'authenticate', $result['error'] );
		$this->assertSame( 'auth_failed', $result['diagnosis']['result']['root_cause'] );
		$this->assertNoSecret( $result, 'not-the-password' );
		$this->assertTrue( Smtpdiag_Store::log()[0]['test'], 'the failure is logged as a test' );
	}

	public function test_direct_send_with_typed_settings() {
		$result = Smtpdiag_Test_Send::direct(
			array( 'host' => 'mail.lab.test', 'port' => 465, 'encryption' => 'tls', 'auth' => true, 'username' => 'user@lab.test', 'password' => 'labpass', 'from' => 'user@lab.test' ),
			'bob@lab.test'
		);
		$this->assertTrue( $result['ok'], wp_json_encode( array( $result['stage'], $result['reply'], $result['error'] ) ) );
		$this->assertSame( 'done', $result['stage'] );
		$this->assertNotEmpty( $result['transcript'] );
		$this->assertArrayHasKey( 'auth', $result['timings'] );
		$this->assertNoSecret( $result );
		$this->assertNull( $result['diagnosis'] );
		$this->assertNull( Smtpdiag_Store::last(), 'a typed configuration is not stored as the site\'s diagnosis' );
	}

	public function test_direct_send_failure_is_diagnosed() {
		$result = Smtpdiag_Test_Send::direct(
			array( 'host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'starttls', 'auth' => true, 'username' => 'user@lab.test', 'password' => 'bad-secret', 'from' => 'user@lab.test' ),
			'bob@lab.test'
		);
		$this->assertFalse( $result['ok'] );
		$this->assertSame( 'auth', $result['stage'] );
		$this->assertSame( 535, $result['reply']['code'] );
		$this->assertSame( 'auth_failed', $result['diagnosis']['result']['root_cause'] );
		$this->assertNoSecret( $result, 'bad-secret' );
	}

	public function test_empty_password_uses_the_site_password_only_for_the_same_server_and_user() {
		$this->lab_smtp( self::HEALTHY );
		$form   = array( 'host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'starttls', 'auth' => true, 'username' => 'user@lab.test', 'password' => '', 'from' => 'user@lab.test' );
		$result = Smtpdiag_Test_Send::direct( $form, 'bob@lab.test' );
		$this->assertTrue( $result['ok'], 'the stored password was used' );
		$other  = Smtpdiag_Test_Send::direct( array_merge( $form, array( 'username' => 'alice@lab.test' ) ), 'bob@lab.test' );
		$this->assertFalse( $other['ok'], 'not for another user' );
	}

	public function test_phpmailer_debug_parser_masks_auth_plain_and_login() {
		$raw = array(
			array( 't_ms' => 1.0, 'text' => "SERVER -> CLIENT: 220 hi\n" ),
			array( 't_ms' => 2.0, 'text' => "CLIENT -> SERVER: AUTH PLAIN AHVzZXIAbGFicGFzcw==\n" ),
			array( 't_ms' => 3.0, 'text' => "SERVER -> CLIENT: 235 ok\n" ),
			array( 't_ms' => 4.0, 'text' => "CLIENT -> SERVER: AUTH LOGIN\n" ),
			array( 't_ms' => 5.0, 'text' => "SERVER -> CLIENT: 334 VXNlcm5hbWU6\n" ),
			array( 't_ms' => 6.0, 'text' => "CLIENT -> SERVER: dXNlckBsYWIudGVzdA==\n" ),
			array( 't_ms' => 7.0, 'text' => "SERVER -> CLIENT: 334 UGFzc3dvcmQ6\n" ),
			array( 't_ms' => 8.0, 'text' => "CLIENT -> SERVER: bGFicGFzcw==\n" ),
			array( 't_ms' => 9.0, 'text' => "SERVER -> CLIENT: 535 no\n" ),
			array( 't_ms' => 10.0, 'text' => "CLIENT -> SERVER: QUIT\n" ),
		);
		$lines = Smtpdiag_Test_Send::parse_phpmailer_debug( $raw );
		$texts = array_column( $lines, 'text' );
		$this->assertSame( 'AUTH PLAIN ' . Smtpdiag_Redactor::MASK, $texts[1] );
		$this->assertSame( Smtpdiag_Redactor::MASK, $texts[5] );
		$this->assertSame( Smtpdiag_Redactor::MASK, $texts[7] );
		$this->assertSame( 'QUIT', $texts[9], 'masking stops at the final reply' );
		$this->assertSame( 'auth', Smtpdiag_Test_Send::stage_of( $lines ), 'the stage whose reply failed, not the QUIT after it' );
		$this->assertNoSecret( $lines );
	}
}
