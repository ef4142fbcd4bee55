<?php
/**
 * Admin entry points: capability and nonce on the settings form and the
 * dismiss link, sanitised input, the Tools page shell escaped.
 */
class AdminTest extends Smtpdiag_Integration_TestCase {

	protected function set_up() {
		parent::set_up();
		add_filter( 'wp_die_handler', array( $this, 'die_handler' ) );
		add_filter( 'wp_redirect', array( $this, 'redirect' ) );
	}

	protected function tear_down() {
		remove_filter( 'wp_die_handler', array( $this, 'die_handler' ) );
		remove_filter( 'wp_redirect', array( $this, 'redirect' ) );
		$_POST    = array();
		$_REQUEST = array();
		parent::tear_down();
	}

	public function die_handler() {
		return static function ( $message, $title = '', $args = array() ) {
			throw new RuntimeException( 'wp_die: ' . ( is_string( $message ) ? $message : 'error' ), (int) ( $args['response'] ?? 500 ) );
		};
	}

	public function redirect( $location ) {
		throw new RuntimeException( 'redirect: ' . $location, 302 );
	}

	private function post_settings( array $post, $nonce = true ) {
		$_POST = $post;
		if ( $nonce ) {
			$_POST['_wpnonce'] = wp_create_nonce( 'smtpdiag_save_settings' );
		}
		$_REQUEST = $_POST;
		try {
			Smtpdiag_Admin::save_settings();
		} catch ( RuntimeException $e ) {
			return $e;
		}
		$this->fail( 'save_settings() neither redirected nor died' );
	}

	public function test_settings_form_needs_the_capability() {
		$this->login( 'subscriber' );
		$e = $this->post_settings( array( 'smtpdiag_webhook_url' => 'http://127.0.0.1/x' ) );
		$this->assertSame( 403, $e->getCode() );
		$this->assertSame( '', Smtpdiag_Store::settings()['webhook_url'] );
	}

	public function test_settings_form_needs_the_nonce() {
		$this->login( 'admin' );
		$e = $this->post_settings( array( 'smtpdiag_webhook_url' => 'http://127.0.0.1/x' ), false );
		$this->assertStringStartsWith( 'wp_die', $e->getMessage() );
		$this->assertSame( '', Smtpdiag_Store::settings()['webhook_url'] );
	}

	public function test_settings_form_saves_sanitised_values() {
		$this->login( 'admin' );
		$hook = getenv( 'WP_TESTS_URL' ) . '/wp-json/smtpdiag-lab/v1/webhook';
		$e    = $this->post_settings( array( 'smtpdiag_monitoring' => '1', 'smtpdiag_webhook_url' => wp_slash( ' ' . $hook . ' ' ), 'smtpdiag_timeout' => '999' ) );
		$this->assertStringContainsString( 'smtpdiag_message=saved', $e->getMessage() );
		$settings = Smtpdiag_Store::settings();
		$this->assertSame( $hook, $settings['webhook_url'] );
		$this->assertSame( 60.0, $settings['timeout'], 'clamped' );
		$this->assertTrue( $settings['monitoring'] );

		$e = $this->post_settings( array( 'smtpdiag_webhook_url' => 'javascript:alert(1)' ) );
		$this->assertSame( '', Smtpdiag_Store::settings()['webhook_url'] );
		$this->assertFalse( Smtpdiag_Store::settings()['monitoring'], 'unchecked box' );

		$e = $this->post_settings( array( 'smtpdiag_webhook_url' => 'http://127.0.0.2:9/' ) );
		$this->assertStringContainsString( 'smtpdiag_message=webhook_invalid', $e->getMessage(), 'WordPress refuses requests there' );
		$this->assertSame( '', Smtpdiag_Store::settings()['webhook_url'] );
	}

	public function test_dismiss_needs_capability_and_nonce() {
		Smtpdiag_Store::set_alert( array( 'root_cause' => 'auth_failed', 'title' => 't', 'fix' => 'f', 'since' => time() ) );
		$this->login( 'admin' );
		$_REQUEST = array();
		try {
			Smtpdiag_Admin::dismiss_alert();
			$this->fail( 'no nonce, no dismissal' );
		} catch ( RuntimeException $e ) {
			$this->assertStringStartsWith( 'wp_die', $e->getMessage() );
		}
		$this->assertIsArray( Smtpdiag_Store::alert() );
		$_REQUEST['_wpnonce'] = wp_create_nonce( 'smtpdiag_dismiss_alert' );
		try {
			Smtpdiag_Admin::dismiss_alert();
		} catch ( RuntimeException $e ) {
			$this->assertSame( 302, $e->getCode() );
		}
		$this->assertNull( Smtpdiag_Store::alert() );
	}

	public function test_tools_page_for_admin_only_and_escaped() {
		$this->lab_smtp( array_merge( self::HEALTHY, array( 'username' => '"><script>alert(1)</script>' ) ) );
		$this->login( 'subscriber' );
		try {
			Smtpdiag_Admin::render_page();
			$this->fail( 'a subscriber saw the page' );
		} catch ( RuntimeException $e ) {
			$this->assertSame( 403, $e->getCode() );
		}
		$this->login( 'admin' );
		ob_start();
		Smtpdiag_Admin::render_page();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'id="smtpdiag-app"', $html );
		$this->assertStringContainsString( 'name="_wpnonce"', $html, 'forms carry nonces' );
		$this->assertStringContainsString( '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;', $html, 'settings escaped into attributes' );
		$this->assertStringNotContainsString( '<script>alert(1)</script>', $html );
		$this->assertStringNotContainsString( 'labpass', $html, 'the password field starts empty' );
	}
}
