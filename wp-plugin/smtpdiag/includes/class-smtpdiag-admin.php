<?php
/**
 * Admin output: Tools > SMTP Diagnostics, the regression notice, the dashboard widget, the settings form.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Admin screens. Server-rendered parts (notice, widget, forms) escape at
 * output; results on the Tools page come from REST and are rendered by
 * assets/js/admin.js with textContent only.
 */
final class Smtpdiag_Admin {

	const PAGE = 'smtpdiag';

	/**
	 * The Tools page hook suffix.
	 *
	 * @var string
	 */
	private static $hook = '';

	/**
	 * Registers the hooks.
	 */
	public static function register() {
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
		add_action( 'admin_notices', array( __CLASS__, 'notice' ) );
		add_action( 'wp_dashboard_setup', array( __CLASS__, 'dashboard_widget' ) );
		add_action( 'admin_post_smtpdiag_save_settings', array( __CLASS__, 'save_settings' ) );
		add_action( 'admin_post_smtpdiag_dismiss_alert', array( __CLASS__, 'dismiss_alert' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( SMTPDIAG_FILE ), array( __CLASS__, 'action_links' ) );
	}

	/**
	 * URL of the Tools page.
	 *
	 * @return string
	 */
	public static function page_url() {
		return admin_url( 'tools.php?page=' . self::PAGE );
	}

	/**
	 * Adds Tools > SMTP Diagnostics.
	 */
	public static function menu() {
		self::$hook = (string) add_management_page(
			__( 'SMTP Diagnostics', 'smtpdiag' ),
			__( 'SMTP Diagnostics', 'smtpdiag' ),
			Smtpdiag_Plugin::menu_capability(),
			self::PAGE,
			array( __CLASS__, 'render_page' )
		);
	}

	/**
	 * A link to the Tools page in the plugin list.
	 *
	 * @param array $links Links.
	 * @return array
	 */
	public static function action_links( $links ) {
		if ( Smtpdiag_Plugin::current_user_can_manage() ) {
			array_unshift( $links, sprintf( '<a href="%s">%s</a>', esc_url( self::page_url() ), esc_html__( 'Diagnose', 'smtpdiag' ) ) );
		}
		return $links;
	}

	/**
	 * Scripts and styles for the Tools page only.
	 *
	 * @param string $hook Current admin page hook.
	 */
	public static function enqueue( $hook ) {
		if ( '' === self::$hook || $hook !== self::$hook ) {
			return;
		}
		$url = plugin_dir_url( SMTPDIAG_FILE );
		wp_enqueue_style( 'smtpdiag-admin', $url . 'assets/css/admin.css', array(), SMTPDIAG_VERSION );
		wp_enqueue_script( 'smtpdiag-admin', $url . 'assets/js/admin.js', array( 'wp-api-fetch', 'wp-i18n' ), SMTPDIAG_VERSION, true );
		wp_set_script_translations( 'smtpdiag-admin', 'smtpdiag', SMTPDIAG_DIR . 'languages' );
		$config = array(
			'namespace' => Smtpdiag_Rest::NAMESPACE_V1,
			'timeout'   => Smtpdiag_Runner::call_options()['timeout'],
			'locale'    => str_replace( '_', '-', get_user_locale() ),
		);
		wp_add_inline_script( 'smtpdiag-admin', 'window.smtpdiagConfig = ' . wp_json_encode( $config, JSON_HEX_TAG | JSON_HEX_AMP ) . ';', 'before' );
	}

	/**
	 * Renders Tools > SMTP Diagnostics.
	 */
	public static function render_page() {
		if ( ! Smtpdiag_Plugin::current_user_can_manage() ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to access this page.', 'smtpdiag' ), 403 );
		}
		$settings = Smtpdiag_Store::settings();
		$site     = Smtpdiag_Mail_Settings::public_view( Smtpdiag_Mail_Settings::discover() );
		$status   = Smtpdiag_Library::status();
		include SMTPDIAG_DIR . 'templates/tools-page.php';
	}

	/**
	 * The regression notice, on every admin screen but the Tools page.
	 */
	public static function notice() {
		if ( ! Smtpdiag_Plugin::current_user_can_manage() ) {
			return;
		}
		$alert  = Smtpdiag_Store::alert();
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		if ( null === $alert || ( $screen && self::$hook === $screen->id ) ) {
			return;
		}
		$dismiss = wp_nonce_url( admin_url( 'admin-post.php?action=smtpdiag_dismiss_alert' ), 'smtpdiag_dismiss_alert' );
		?>
		<div class="notice notice-error smtpdiag-alert">
			<p>
				<strong><?php esc_html_e( 'Mail from this site is failing.', 'smtpdiag' ); ?></strong>
				<?php echo esc_html( (string) $alert['title'] ); ?>
			</p>
			<?php if ( '' !== (string) $alert['fix'] ) : ?>
				<p><strong><?php esc_html_e( 'Fix:', 'smtpdiag' ); ?></strong> <?php echo esc_html( (string) $alert['fix'] ); ?></p>
			<?php endif; ?>
			<p>
				<a class="button button-primary" href="<?php echo esc_url( self::page_url() ); ?>"><?php esc_html_e( 'See the diagnosis', 'smtpdiag' ); ?></a>
				<a class="button" href="<?php echo esc_url( $dismiss ); ?>"><?php esc_html_e( 'Dismiss until it changes', 'smtpdiag' ); ?></a>
			</p>
		</div>
		<?php
	}

	/**
	 * Adds the dashboard widget.
	 */
	public static function dashboard_widget() {
		if ( ! Smtpdiag_Plugin::current_user_can_manage() ) {
			return;
		}
		wp_add_dashboard_widget( 'smtpdiag_dashboard', __( 'Outgoing mail', 'smtpdiag' ), array( __CLASS__, 'render_dashboard_widget' ) );
	}

	/**
	 * Renders the dashboard widget.
	 */
	public static function render_dashboard_widget() {
		$last   = Smtpdiag_Store::last();
		$state  = Smtpdiag_Runner::state_of( $last );
		$root   = Smtpdiag_Runner::root_finding( $last );
		$alert  = Smtpdiag_Store::alert();
		$labels = array(
			'ok'       => __( 'Mail works', 'smtpdiag' ),
			'warning'  => __( 'Mail works, with warnings', 'smtpdiag' ),
			'critical' => __( 'Mail is failing', 'smtpdiag' ),
			'unknown'  => __( 'Not checked yet', 'smtpdiag' ),
		);
		?>
		<div class="smtpdiag-widget smtpdiag-state-<?php echo esc_attr( $state ); ?>">
			<p class="smtpdiag-widget-state"><strong><?php echo esc_html( $labels[ $state ] ); ?></strong></p>
			<?php if ( null !== $root ) : ?>
				<p><?php echo esc_html( (string) $root['title'] ); ?></p>
				<p><strong><?php esc_html_e( 'Fix:', 'smtpdiag' ); ?></strong> <?php echo esc_html( (string) $root['fix'] ); ?></p>
			<?php endif; ?>
			<?php if ( null !== $alert ) : ?>
				<p>
				<?php
				echo esc_html(
					sprintf(
						/* translators: %s: date and time. */
						__( 'Failing since %s.', 'smtpdiag' ),
						wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) $alert['since'] )
					)
				);
				?>
				</p>
			<?php endif; ?>
			<?php if ( null !== $last ) : ?>
				<p class="description">
				<?php
				echo esc_html(
					sprintf(
						/* translators: %s: human time difference, e.g. "5 mins". */
						__( 'Checked %s ago.', 'smtpdiag' ),
						human_time_diff( (int) $last['taken_at'] )
					)
				);
				?>
				</p>
			<?php endif; ?>
			<p><a href="<?php echo esc_url( self::page_url() ); ?>"><?php esc_html_e( 'Open SMTP Diagnostics', 'smtpdiag' ); ?></a></p>
		</div>
		<?php
	}

	/**
	 * Saves the monitoring settings (admin-post, nonce + capability).
	 */
	public static function save_settings() {
		if ( ! Smtpdiag_Plugin::current_user_can_manage() ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'smtpdiag' ), 403 );
		}
		check_admin_referer( 'smtpdiag_save_settings' );

		$monitoring = isset( $_POST['smtpdiag_monitoring'] ) && '1' === sanitize_text_field( wp_unslash( $_POST['smtpdiag_monitoring'] ) );
		$webhook    = isset( $_POST['smtpdiag_webhook_url'] ) ? esc_url_raw( trim( wp_unslash( $_POST['smtpdiag_webhook_url'] ) ), array( 'http', 'https' ) ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- esc_url_raw is the sanitiser.
		$timeout    = isset( $_POST['smtpdiag_timeout'] ) ? (float) sanitize_text_field( wp_unslash( $_POST['smtpdiag_timeout'] ) ) : 10.0;
		$message    = 'saved';
		if ( '' !== $webhook && false === wp_http_validate_url( $webhook ) ) {
			$webhook = '';
			$message = 'webhook_invalid';
		}
		Smtpdiag_Store::save_settings(
			array(
				'monitoring'  => $monitoring,
				'webhook_url' => $webhook,
				'timeout'     => max( 2.0, min( 60.0, $timeout ) ),
			)
		);
		Smtpdiag_Monitor::ensure_scheduled();
		wp_safe_redirect( add_query_arg( 'smtpdiag_message', $message, self::page_url() ) );
		exit;
	}

	/**
	 * Dismisses the alert until the root cause changes (admin-post, nonce + capability).
	 */
	public static function dismiss_alert() {
		if ( ! Smtpdiag_Plugin::current_user_can_manage() ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to do that.', 'smtpdiag' ), 403 );
		}
		check_admin_referer( 'smtpdiag_dismiss_alert' );
		Smtpdiag_Store::set_alert( null );
		wp_safe_redirect( wp_get_referer() ? wp_get_referer() : admin_url() );
		exit;
	}
}
