<?php
/**
 * Site Health against the lab's healthy and broken servers: the tests are
 * registered the way core expects, and their results follow the core's
 * diagnosis of real servers.
 */
class SiteHealthTest extends Smtpdiag_Integration_TestCase {

	private function assertValidResult( array $result, $test ) {
		foreach ( array( 'label', 'status', 'badge', 'description', 'actions', 'test' ) as $key ) {
			$this->assertArrayHasKey( $key, $result );
		}
		$this->assertContains( $result['status'], array( 'good', 'recommended', 'critical' ) );
		$this->assertSame( 'smtpdiag_' . $test, $result['test'] );
		$this->assertSame( __( 'Email', 'smtpdiag' ), $result['badge']['label'] );
		$this->assertStringContainsString( 'tools.php?page=smtpdiag', $result['actions'] );
	}

	public function test_tests_are_registered_direct_and_async_over_rest() {
		$tests = WP_Site_Health::get_tests();
		foreach ( array( 'smtpdiag_engine', 'smtpdiag_php_functions', 'smtpdiag_ca_bundle' ) as $direct ) {
			$this->assertArrayHasKey( $direct, $tests['direct'] );
		}
		foreach ( array( 'diagnose', 'certificate', 'domain' ) as $async ) {
			$test = $tests['async'][ 'smtpdiag_' . $async ];
			$this->assertTrue( $test['has_rest'] );
			$this->assertSame( rest_url( 'smtpdiag/v1/site-health/' . $async ), $test['test'] );
			$this->assertIsCallable( $test['async_direct_test'] );
		}
	}

	public function test_direct_tests_with_the_extension_loaded() {
		$this->lab_smtp( self::HEALTHY );
		$engine = Smtpdiag_Site_Health::test_engine();
		$this->assertValidResult( $engine, 'engine' );
		$this->assertSame( 'good', $engine['status'] );
		$this->assertStringContainsString( phpversion( 'smtpdiag' ), $engine['description'] );

		$functions = Smtpdiag_Site_Health::test_php_functions();
		$this->assertValidResult( $functions, 'php_functions' );
		$this->assertSame( 'good', $functions['status'] );

		$bundle = Smtpdiag_Site_Health::test_ca_bundle();
		$this->assertValidResult( $bundle, 'ca_bundle' );
		$this->assertSame( 'good', $bundle['status'] );
		$this->assertStringContainsString( getenv( 'LAB_CA' ), $bundle['description'], 'names the bundle PHP uses (openssl.cafile)' );
	}

	public function test_diagnose_on_the_healthy_server() {
		$this->lab_smtp( self::HEALTHY );
		$result = Smtpdiag_Site_Health::test_diagnose();
		$this->assertValidResult( $result, 'diagnose' );
		$record = Smtpdiag_Store::last();
		$this->assertTrue( $record['result']['ok'], wp_json_encode( $record['result']['findings'] ) );
		$this->assertNull( $record['result']['root_cause'] );
		$this->assertNotSame( 'critical', $result['status'] );
		$this->assertStringContainsString( 'works', $result['label'] );
		$this->assertSame( 'site_health', $record['trigger'] );
	}

	public function test_diagnose_with_a_wrong_password_is_critical_auth_failed() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'password' => 'wrong-password' ) ) );
		$result = Smtpdiag_Site_Health::test_diagnose();
		$this->assertValidResult( $result, 'diagnose' );
		$this->assertSame( 'critical', $result['status'] );
		$record = Smtpdiag_Store::last();
		$this->assertSame( 'auth_failed', $record['result']['root_cause'] );
		$this->assertStringContainsString( esc_html( Smtpdiag_Runner::root_finding( $record )['title'] ), $result['label'] );
		$this->assertStringContainsString( 'Fix:', $result['description'] );
		$this->assertNoSecret( $result, 'wrong-password' );
		$this->assertNoSecret( $record, 'wrong-password' );
	}

	public function test_diagnose_on_a_busy_server() {
		$this->lab_smtp( array( 'host' => 'script.lab.test', 'port' => 2602, 'secure' => '', 'autotls' => false, 'auth' => false, 'from' => 'user@mail.lab.test' ) );
		$result = Smtpdiag_Site_Health::test_diagnose();
		$this->assertValidResult( $result, 'diagnose' );
		$record = Smtpdiag_Store::last();
		$this->assertSame( 'server_busy', $record['result']['root_cause'] );
		$this->assertNotSame( 'good', $result['status'] );
	}

	public function test_diagnose_with_the_wrong_encryption_for_the_port() {
		// Implicit TLS ("SSL") on the STARTTLS submission port.
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'secure' => 'ssl' ) ) );
		$result = Smtpdiag_Site_Health::test_diagnose();
		$this->assertSame( 'critical', $result['status'] );
		$this->assertSame( 'encryption_expects_starttls', Smtpdiag_Store::last()['result']['root_cause'] );
	}

	public function test_certificate_on_the_healthy_server() {
		$this->lab_smtp( self::HEALTHY );
		$result = Smtpdiag_Site_Health::test_certificate();
		$this->assertValidResult( $result, 'certificate' );
		$this->assertSame( 'good', $result['status'] );
		$this->assertMatchesRegularExpression( '/\(\d+ days left\)/', $result['label'] );
		$this->assertStringContainsString( 'mail.lab.test', $result['description'] );
	}

	public function test_certificate_expired() {
		$this->lab_smtp( array( 'host' => 'expired.lab.test', 'port' => 3102, 'secure' => 'ssl', 'auth' => false ) );
		$result = Smtpdiag_Site_Health::test_certificate();
		$this->assertValidResult( $result, 'certificate' );
		$this->assertSame( 'critical', $result['status'] );
		$this->assertStringContainsString( 'expired', strtolower( $result['label'] . $result['description'] ) );
	}

	public function test_certificate_expiring_soon_is_recommended() {
		$this->lab_smtp( array( 'host' => 'expiring.lab.test', 'port' => 3104, 'secure' => 'ssl', 'auth' => false ) );
		$result = Smtpdiag_Site_Health::test_certificate();
		$this->assertSame( 'recommended', $result['status'] );
		$this->assertMatchesRegularExpression( '/\(\d days left\)/', $result['description'] );
	}

	public function test_domain_records() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'from' => 'user@lab.test' ) ) );
		$result = Smtpdiag_Site_Health::test_domain();
		$this->assertValidResult( $result, 'domain' );
		$this->assertSame( 'critical', $result['status'], 'lab.test\'s SPF does not list the relay mail.lab.test' );
		$this->assertStringContainsString( 'v=spf1 ip4:192.0.2.10 -all', $result['description'] );
		$this->assertStringContainsString( 'DMARC', $result['description'] );
	}

	public function test_async_tests_over_rest_as_site_health_calls_them() {
		$this->lab_smtp( self::HEALTHY );
		$this->login( 'admin' );
		foreach ( array( 'diagnose', 'certificate', 'domain' ) as $test ) {
			$response = $this->rest( 'GET', '/smtpdiag/v1/site-health/' . $test );
			$this->assertSame( 200, $response->get_status() );
			$this->assertValidResult( $response->get_data(), $test );
		}
	}

	public function test_debug_information_marks_secrets_private() {
		$this->lab_smtp( self::HEALTHY );
		$info   = Smtpdiag_Site_Health::debug_information( array() );
		$fields = $info['smtpdiag']['fields'];
		$this->assertSame( SMTPDIAG_VERSION, $fields['plugin_version']['value'] );
		$this->assertSame( 'native', $fields['engine']['debug'] );
		$this->assertSame( phpversion( 'smtpdiag' ), $fields['extension']['value'] );
		$this->assertSame( 'repo', $fields['library']['value'], 'loaded php-bindings/lib from the checkout' );
		$this->assertSame( 'mail.lab.test', $fields['host']['value'] );
		$this->assertTrue( $fields['username']['private'] );
		$this->assertTrue( $fields['password']['private'] );
		$this->assertTrue( $fields['from']['private'] );
		$this->assertNoSecret( $info );
		// Core's copy-to-clipboard text leaves private fields out.
		require_once ABSPATH . 'wp-admin/includes/class-wp-debug-data.php';
		$this->assertStringNotContainsString( 'user@lab.test', WP_Debug_Data::format( $info, 'debug' ) );
	}
}
