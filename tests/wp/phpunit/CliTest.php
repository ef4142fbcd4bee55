<?php
/**
 * WP-CLI: wp smtpdiag diagnose|probe|cert|domain|send-test|log, with
 * --format and exit codes.
 */
class CliTest extends Smtpdiag_Integration_TestCase {

	public function test_diagnose_healthy_exits_0_and_prints_json_rows() {
		$this->lab_smtp( self::HEALTHY );
		list( $exit, $out, $err ) = $this->wp_cli( array( 'smtpdiag', 'diagnose', '--format=json' ) );
		$this->assertSame( 0, $exit, $err );
		$rows = json_decode( $out, true );
		$this->assertIsArray( $rows );
		$this->assertSame( array( 'root', 'code', 'severity', 'title', 'fix' ), array_keys( $rows[0] ) );
		$this->assertNotContains( 'yes', array_column( $rows, 'root' ) );
		$this->assertSame( 'cli', Smtpdiag_Store::last()['trigger'] );
	}

	public function test_diagnose_critical_root_cause_exits_1_in_every_format() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'password' => 'nope' ) ) );
		list( $exit, $out ) = $this->wp_cli( array( 'smtpdiag', 'diagnose' ) );
		$this->assertSame( 1, $exit );
		$this->assertStringContainsString( 'Root cause: auth_failed (critical)', $out );
		$this->assertStringContainsString( 'Fix: ', $out );

		list( $exit, $out ) = $this->wp_cli( array( 'smtpdiag', 'diagnose', '--format=csv', '--fields=root,code,severity' ) );
		$this->assertSame( 1, $exit );
		$lines = array_map( 'str_getcsv', array_filter( explode( "\n", trim( $out ) ) ) );
		$this->assertSame( array( 'root', 'code', 'severity' ), $lines[0] );
		$this->assertSame( array( 'yes', 'auth_failed', 'critical' ), $lines[1], 'root cause first' );

		list( $exit, $out ) = $this->wp_cli( array( 'smtpdiag', 'diagnose', '--format=yaml' ) );
		$this->assertSame( 1, $exit );
		$this->assertStringContainsString( 'code: auth_failed', $out );
	}

	public function test_diagnose_many_hosts() {
		list( $exit, $out, $err ) = $this->wp_cli( array( 'smtpdiag', 'diagnose', 'mail.lab.test', 'nosuchhost.lab.test', '--port=587', '--format=json' ) );
		$rows = json_decode( $out, true );
		$this->assertIsArray( $rows, $err );
		$this->assertSame( array( 'mail.lab.test', 'nosuchhost.lab.test' ), array_column( $rows, 'host' ), 'input order' );
		$this->assertSame( 'dns_nxdomain', $rows[1]['root_cause'] );
		$this->assertSame( 1, $exit, 'a critical root cause among them' );
	}

	public function test_probe_several_hosts_as_csv() {
		list( $exit, $out, $err ) = $this->wp_cli( array( 'smtpdiag', 'probe', 'mail.lab.test', 'script.lab.test', '--ports=587,2525', '--format=csv' ) );
		$this->assertSame( 0, $exit, $err );
		$rows = array_map( 'str_getcsv', array_filter( explode( "\n", trim( $out ) ) ) );
		$head = array_shift( $rows );
		$this->assertSame( array( 'host', 'port', 'address', 'state', 'errno', 'blocked_at', 'connect_ms', 'banner' ), $head );
		$by = array();
		foreach ( $rows as $row ) {
			$row = array_combine( $head, $row );
			$by[ $row['host'] . ' ' . $row['address'] . ' ' . $row['port'] ] = $row['state'];
		}
		$this->assertSame( 'open', $by['mail.lab.test 198.51.100.25 587'] );
		$this->assertSame( 'refused', $by['script.lab.test 198.51.100.26 2525'], 'script.lab.test answers 2525 with RST' );
	}

	public function test_cert_and_domain() {
		list( $exit, $out, $err ) = $this->wp_cli( array( 'smtpdiag', 'cert', 'mail.lab.test', '--port=465', '--format=json' ) );
		$this->assertSame( 0, $exit, $err );
		$chain = json_decode( $out, true );
		$this->assertStringContainsString( 'CN=mail.lab.test', $chain[0]['subject'] );
		$this->assertGreaterThan( 30, $chain[0]['days_left'] );

		list( $exit ) = $this->wp_cli( array( 'smtpdiag', 'cert', 'expired.lab.test', '--port=3102', '--format=json' ) );
		$this->assertSame( 1, $exit, 'an expired certificate is not ok' );

		list( $exit, $out, $err ) = $this->wp_cli( array( 'smtpdiag', 'domain', 'lab.test', '--format=json' ) );
		$this->assertSame( 0, $exit, $err );
		$records = array_column( json_decode( $out, true ), 'value', 'record' );
		$this->assertSame( '10 mail.lab.test', $records['MX'] );
		$this->assertSame( 'v=spf1 ip4:192.0.2.10 -all', $records['SPF'] );
	}

	public function test_send_test_and_log() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'password' => 'wrong' ) ) );
		list( $exit, $out, $err ) = $this->wp_cli( array( 'smtpdiag', 'send-test', 'alice@lab.test', '--format=json' ) );
		$this->assertSame( 1, $exit );
		$this->assertStringContainsString( 'Root cause: auth_failed', $out . $err );
		$lines = json_decode( strtok( $out, "\n" ), true );
		$this->assertIsArray( $lines, $out . $err );
		$this->assertNoSecret( $out . $err, 'wrong' );

		list( $exit, $out ) = $this->wp_cli( array( 'smtpdiag', 'log', '--format=json' ) );
		$this->assertSame( 0, $exit );
		$log = json_decode( $out, true );
		$this->assertSame( 'lab.test', $log[0]['recipient_domains'] );
		$this->assertSame( 'yes', $log[0]['test'] );

		$this->lab_smtp( array_merge( self::HEALTHY, array( 'from' => 'user@lab.test' ) ) );
		list( $exit, $out, $err ) = $this->wp_cli( array( 'smtpdiag', 'send-test', 'alice@lab.test' ) );
		$this->assertSame( 0, $exit, $out . $err );
		$this->assertStringContainsString( 'Success: Sent via wp_mail', $out );
	}
}
