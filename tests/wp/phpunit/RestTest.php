<?php
/**
 * REST routes: admin 200, subscriber 403, anonymous 401, on every route;
 * input validation; no secrets in any answer.
 */
class RestTest extends Smtpdiag_Integration_TestCase {

	public function routes() {
		return array(
			'status'               => array( 'GET', '/smtpdiag/v1/status', array() ),
			'diagnose'             => array( 'POST', '/smtpdiag/v1/diagnose', array() ),
			'settings'             => array( 'GET', '/smtpdiag/v1/settings', array() ),
			'log'                  => array( 'GET', '/smtpdiag/v1/log', array() ),
			'test-send'            => array( 'POST', '/smtpdiag/v1/test-send', array( 'to' => 'alice@lab.test', 'mode' => 'direct', 'host' => 'mail.lab.test', 'port' => 2525, 'encryption' => 'none', 'auth' => false, 'from' => 'user@lab.test' ) ),
			'site-health/domain'   => array( 'GET', '/smtpdiag/v1/site-health/domain', array() ),
		);
	}

	/** @dataProvider routes */
	public function test_anonymous_gets_401( $method, $path, $params ) {
		$this->login( null );
		$this->assertSame( 401, $this->rest( $method, $path, $params )->get_status() );
	}

	/** @dataProvider routes */
	public function test_subscriber_gets_403( $method, $path, $params ) {
		$this->login( 'subscriber' );
		$this->assertSame( 403, $this->rest( $method, $path, $params )->get_status() );
	}

	/** @dataProvider routes */
	public function test_admin_gets_200( $method, $path, $params ) {
		$this->lab_smtp( self::HEALTHY );
		$this->login( 'admin' );
		$response = $this->rest( $method, $path, $params );
		$this->assertSame( 200, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$this->assertNoSecret( $response->get_data() );
	}

	public function test_status_is_the_latest_result_and_its_time() {
		$this->lab_smtp( self::HEALTHY );
		$this->login( 'admin' );
		$empty = $this->rest( 'GET', '/smtpdiag/v1/status' )->get_data();
		$this->assertNull( $empty['taken_at'] );
		$this->assertNull( $empty['record'] );

		$before = time();
		$run    = $this->rest( 'POST', '/smtpdiag/v1/diagnose' )->get_data();
		$status = $this->rest( 'GET', '/smtpdiag/v1/status' )->get_data();
		$this->assertGreaterThanOrEqual( $before, $status['taken_at_unix'] );
		$this->assertSame( $run['taken_at'], $status['taken_at'] );
		$this->assertSame( 'rest', $status['record']['trigger'] );
		$this->assertTrue( $status['library']['ok'] );
		$this->assertTrue( $status['library']['extension'] );
		$this->assertSame( 'native', $status['record']['engine'] );
		$this->assertNoSecret( get_option( 'smtpdiag_last_result' ) );
	}

	public function test_test_send_validates_input() {
		$this->login( 'admin' );
		$bad_to = $this->rest( 'POST', '/smtpdiag/v1/test-send', array( 'to' => 'not an address' ) );
		$this->assertSame( 400, $bad_to->get_status() );
		$bad_port = $this->rest( 'POST', '/smtpdiag/v1/test-send', array( 'to' => 'a@lab.test', 'mode' => 'direct', 'host' => 'mail.lab.test', 'port' => 70000 ) );
		$this->assertSame( 400, $bad_port->get_status() );
		$bad_host = $this->rest( 'POST', '/smtpdiag/v1/test-send', array( 'to' => 'a@lab.test', 'mode' => 'direct', 'host' => "mail.lab.test\r\nRCPT TO:<x@y>" ) );
		$this->assertSame( 400, $bad_host->get_status() );
		$bad_mode = $this->rest( 'POST', '/smtpdiag/v1/test-send', array( 'to' => 'a@lab.test', 'mode' => 'telnet' ) );
		$this->assertSame( 400, $bad_mode->get_status() );
	}

	public function test_namespace_routes_over_http_without_cookie_are_401() {
		foreach ( array( 'status', 'settings', 'log', 'site-health/diagnose' ) as $route ) {
			$context = stream_context_create( array( 'http' => array( 'ignore_errors' => true, 'timeout' => 10 ) ) );
			$body    = file_get_contents( getenv( 'WP_TESTS_URL' ) . '/wp-json/smtpdiag/v1/' . $route, false, $context );
			$this->assertMatchesRegularExpression( '#^HTTP/\S+ 401#', $http_response_header[0], $route );
			$this->assertStringContainsString( 'rest_forbidden', (string) $body );
		}
		$context = stream_context_create( array( 'http' => array( 'method' => 'POST', 'ignore_errors' => true, 'timeout' => 10 ) ) );
		file_get_contents( getenv( 'WP_TESTS_URL' ) . '/wp-json/smtpdiag/v1/diagnose', false, $context );
		$this->assertMatchesRegularExpression( '#^HTTP/\S+ 401#', $http_response_header[0] );
	}
}
