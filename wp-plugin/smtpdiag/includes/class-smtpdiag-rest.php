<?php
/**
 * REST routes under smtpdiag/v1.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * REST output: handlers return data (never HTML); the Tools page and Site
 * Health render it. Every route requires manage_options (a super admin on
 * multisite); cookie-authenticated calls carry the wp_rest nonce.
 */
final class Smtpdiag_Rest {

	const NAMESPACE_V1 = 'smtpdiag/v1';

	/**
	 * Registers the routes on rest_api_init.
	 */
	public static function register() {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
	}

	/**
	 * The routes.
	 */
	public static function routes() {
		$permission = array( __CLASS__, 'permission' );
		register_rest_route(
			self::NAMESPACE_V1,
			'/status',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'get_status' ),
				'permission_callback' => $permission,
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/diagnose',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'post_diagnose' ),
				'permission_callback' => $permission,
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/settings',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'get_settings' ),
				'permission_callback' => $permission,
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/log',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'get_log' ),
				'permission_callback' => $permission,
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/test-send',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'post_test_send' ),
				'permission_callback' => $permission,
				'args'                => self::test_send_args(),
			)
		);
		register_rest_route(
			self::NAMESPACE_V1,
			'/site-health/(?P<test>diagnose|certificate|domain)',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'get_site_health' ),
				'permission_callback' => $permission,
			)
		);
	}

	/**
	 * Permission for every route. Returning false lets WordPress answer 401
	 * to anonymous requests and 403 to logged-in users without the right.
	 *
	 * @return bool
	 */
	public static function permission() {
		return Smtpdiag_Plugin::current_user_can_manage();
	}

	/**
	 * GET /status: the latest diagnosis and when it was taken.
	 *
	 * @return WP_REST_Response
	 */
	public static function get_status() {
		return rest_ensure_response( self::status_payload( Smtpdiag_Store::last() ) );
	}

	/**
	 * POST /diagnose: runs the diagnosis now.
	 *
	 * @return WP_REST_Response
	 */
	public static function post_diagnose() {
		$record = Smtpdiag_Runner::diagnose( 'rest' );
		return rest_ensure_response( self::status_payload( $record ) );
	}

	/**
	 * The status payload for a record.
	 *
	 * @param array|null $record Record.
	 * @return array
	 */
	public static function status_payload( $record ) {
		$library = Smtpdiag_Library::status();
		return array(
			'taken_at'      => null === $record ? null : gmdate( 'c', (int) $record['taken_at'] ),
			'taken_at_unix' => null === $record ? null : (int) $record['taken_at'],
			'age_seconds'   => null === $record ? null : max( 0, time() - (int) $record['taken_at'] ),
			'state'         => Smtpdiag_Runner::state_of( $record ),
			'root_cause'    => Smtpdiag_Runner::root_finding( $record ),
			'record'        => $record,
			'alert'         => Smtpdiag_Store::alert(),
			'library'       => array(
				'ok'                => $library['ok'],
				'source'            => $library['source'],
				'extension'         => $library['extension'],
				'extension_version' => $library['extension_version'],
				'diagnose'          => Smtpdiag_Library::has( 'diagnose' ),
			),
		);
	}

	/**
	 * GET /settings: the discovered settings (no password) and the environment.
	 *
	 * @return WP_REST_Response
	 */
	public static function get_settings() {
		$settings = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		return rest_ensure_response(
			array(
				'settings'         => $settings,
				'security_plugins' => Smtpdiag_Environment::security_plugins(),
				'http_block'       => Smtpdiag_Environment::http_block(),
				'php_functions'    => Smtpdiag_Environment::php_functions(),
				'ca_bundle'        => Smtpdiag_Environment::ca_bundle(),
			)
		);
	}

	/**
	 * GET /log: the failure log and the latest diagnosis.
	 *
	 * @return WP_REST_Response
	 */
	public static function get_log() {
		return rest_ensure_response( Smtpdiag_Mail_Log::view() );
	}

	/**
	 * Arguments of POST /test-send, each validated and sanitised.
	 *
	 * @return array
	 */
	private static function test_send_args() {
		return array(
			'mode'        => array(
				'type'     => 'string',
				'enum'     => array( 'wp_mail', 'direct' ),
				'default'  => 'wp_mail',
				'required' => false,
			),
			'to'          => array(
				'type'              => 'string',
				'required'          => true,
				'validate_callback' => static function ( $value ) {
					return is_string( $value ) && is_email( trim( $value ) ) ? true : new WP_Error( 'rest_invalid_param', __( 'Enter a valid recipient address.', 'smtpdiag' ) );
				},
				'sanitize_callback' => static function ( $value ) {
					return sanitize_email( trim( (string) $value ) );
				},
			),
			'host'        => array(
				'type'              => 'string',
				'default'           => '',
				'validate_callback' => static function ( $value ) {
					return is_string( $value ) && ( '' === $value || preg_match( '/^[A-Za-z0-9.\-:\[\]_]{1,253}$/', $value ) ) ? true : new WP_Error( 'rest_invalid_param', __( 'The host must be a host name or an IP address.', 'smtpdiag' ) );
				},
				'sanitize_callback' => static function ( $value ) {
					return trim( sanitize_text_field( (string) $value ), '[] ' );
				},
			),
			'port'        => array(
				'type'    => 'integer',
				'minimum' => 1,
				'maximum' => 65535,
				'default' => 587,
			),
			'encryption'  => array(
				'type'    => 'string',
				'enum'    => array( 'none', 'starttls', 'tls' ),
				'default' => 'starttls',
			),
			'auth'        => array(
				'type'    => 'boolean',
				'default' => true,
			),
			'username'    => array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => static function ( $value ) {
					return sanitize_text_field( (string) $value );
				},
			),
			'password'    => array(
				'type'              => 'string',
				'default'           => '',
				// A password is used as typed (sanitising would change it); it is never echoed or stored.
				'sanitize_callback' => static function ( $value ) {
					return str_replace( array( "\r", "\n", "\0" ), '', (string) $value );
				},
			),
			'from'        => array(
				'type'              => 'string',
				'default'           => '',
				'validate_callback' => static function ( $value ) {
					return is_string( $value ) && ( '' === trim( $value ) || is_email( trim( $value ) ) ) ? true : new WP_Error( 'rest_invalid_param', __( 'Enter a valid From address.', 'smtpdiag' ) );
				},
				'sanitize_callback' => static function ( $value ) {
					return sanitize_email( trim( (string) $value ) );
				},
			),
			'verify_peer' => array(
				'type'    => 'boolean',
				'default' => true,
			),
		);
	}

	/**
	 * POST /test-send: sends one real message.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function post_test_send( WP_REST_Request $request ) {
		$to = (string) $request['to'];
		if ( 'direct' === $request['mode'] ) {
			if ( '' === (string) $request['host'] ) {
				return new WP_Error( 'rest_invalid_param', __( 'Enter the SMTP host to send through.', 'smtpdiag' ), array( 'status' => 400 ) );
			}
			$result = Smtpdiag_Test_Send::direct(
				array(
					'host'        => (string) $request['host'],
					'port'        => (int) $request['port'],
					'encryption'  => (string) $request['encryption'],
					'auth'        => (bool) $request['auth'],
					'username'    => (string) $request['username'],
					'password'    => (string) $request['password'],
					'from'        => (string) $request['from'],
					'verify_peer' => (bool) $request['verify_peer'],
				),
				$to
			);
		} else {
			$result = Smtpdiag_Test_Send::via_wp_mail( $to );
		}
		return rest_ensure_response( $result );
	}

	/**
	 * GET /site-health/{test}: an async Site Health test.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public static function get_site_health( WP_REST_Request $request ) {
		$callbacks = array(
			'diagnose'    => 'test_diagnose',
			'certificate' => 'test_certificate',
			'domain'      => 'test_domain',
		);
		$method    = $callbacks[ (string) $request['test'] ];
		return rest_ensure_response( call_user_func( array( 'Smtpdiag_Site_Health', $method ) ) );
	}
}
