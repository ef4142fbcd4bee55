<?php
/**
 * With port 465 dropped on this host for WordPress's user (run.sh's nft rule,
 * as a security plugin or a per-user firewall would): the core's root cause,
 * and the security plugin named next to it.
 *
 * @group blocked
 */
class BlockedTest extends Smtpdiag_Integration_TestCase {

	const IMPLICIT = array(
		'host'     => 'mail.lab.test',
		'port'     => 465,
		'secure'   => 'ssl',
		'auth'     => true,
		'username' => 'user@lab.test',
		'password' => 'labpass',
		'from'     => 'user@mail.lab.test',
	);

	public function test_root_cause_is_the_local_block_with_the_hop() {
		$this->lab_smtp( self::IMPLICIT );
		$record = Smtpdiag_Runner::diagnose( 'test' );
		$this->assertSame( 'port_blocked_local', $record['result']['root_cause'] );
		$ports = array_filter( $record['result']['probe']['ports'], static fn( $p ) => 465 === $p['port'] );
		$this->assertNotEmpty( $ports );
		foreach ( $ports as $port ) {
			$this->assertSame( 'blocked_local', $port['state'] );
			$this->assertSame( 0, $port['blocked_at']['hop'] );
		}
		$this->assertNotContains( 'security_plugin_blocking', $this->codes( $record ), 'no security plugin, none named' );
		$this->assertLessThan( 9000 + 1500, $record['elapsed_ms'], 'bounded by the timeout' );
	}

	public function test_active_security_plugin_is_named_right_after_the_root_cause() {
		$this->lab_smtp( self::IMPLICIT );
		$this->activate( 'wordfence/wordfence.php', 'wp-simple-firewall/icwp-wpsf.php' );
		$record = Smtpdiag_Runner::diagnose( 'test' );
		$codes  = $this->codes( $record );
		$this->assertSame( 'port_blocked_local', $codes[0] );
		$this->assertSame( 'security_plugin_blocking', $codes[1] );
		$finding = $record['result']['findings'][1];
		$this->assertSame( 'critical', $finding['severity'] );
		$this->assertStringContainsString( 'Wordfence Security', $finding['detail'] );
		$this->assertStringContainsString( 'Shield Security', $finding['detail'] );
		$this->assertStringContainsString( '465', $finding['fix'] );
		$this->assertSame( array( 465 ), $finding['evidence']['ports'] );

		$health = Smtpdiag_Site_Health::test_diagnose();
		$this->assertSame( 'critical', $health['status'] );
		$this->assertStringContainsString( 'admin.php?page=WordfenceWAF', $health['actions'], 'the action links to the fix' );
	}

	public function test_wp_http_block_external_is_named_too() {
		$this->lab_smtp( self::IMPLICIT );
		$this->activate( 'better-wp-security/better-wp-security.php' );
		add_filter(
			'smtpdiag_http_block',
			static function () {
				return array( 'blocked' => true, 'accessible_hosts' => '' );
			}
		);
		$record = Smtpdiag_Runner::diagnose( 'test' );
		$codes  = $this->codes( $record );
		$this->assertContains( 'wp_http_block_external', $codes );
		$plugin = $record['result']['findings'][ array_search( 'security_plugin_blocking', $codes, true ) ];
		$this->assertStringContainsString( 'Solid Security', $plugin['detail'] );
		$this->assertStringContainsString( 'WP_HTTP_BLOCK_EXTERNAL', $plugin['detail'] );
	}

	public function test_the_submission_port_still_works() {
		$this->lab_smtp( self::HEALTHY );
		$this->activate( 'wordfence/wordfence.php' );
		$record = Smtpdiag_Runner::diagnose( 'test' );
		$this->assertTrue( $record['result']['ok'] );
		$this->assertNull( $record['result']['root_cause'] );
		$this->assertSame( 'warning', Smtpdiag_Runner::state_of( $record ), '465 blocked but unused: a warning' );
		$this->assertContains( 'security_plugin_blocking', $this->codes( $record ) );
	}
}
