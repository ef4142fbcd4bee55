<?php
/**
 * Boot: loads the plugin's classes and wires them to WordPress hooks.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's entry point. Collectors (settings, environment, runner) only
 * return data; outputs (Site Health, REST, admin screens, WP-CLI) render it.
 */
final class Smtpdiag_Plugin {

	/**
	 * Capability every entry point requires (super admin on multisite).
	 */
	const CAPABILITY = 'manage_options';

	/**
	 * Loads the classes and registers the hooks. No side effects beyond that.
	 */
	public static function boot() {
		$dir = __DIR__ . '/';
		require_once $dir . 'class-smtpdiag-unavailable.php';
		require_once $dir . 'class-smtpdiag-library.php';
		require_once $dir . 'class-smtpdiag-redactor.php';
		require_once $dir . 'class-smtpdiag-mail-settings.php';
		require_once $dir . 'class-smtpdiag-environment.php';
		require_once $dir . 'class-smtpdiag-store.php';
		require_once $dir . 'class-smtpdiag-runner.php';
		require_once $dir . 'class-smtpdiag-test-send.php';
		require_once $dir . 'class-smtpdiag-mail-log.php';
		require_once $dir . 'class-smtpdiag-monitor.php';
		require_once $dir . 'class-smtpdiag-site-health.php';
		require_once $dir . 'class-smtpdiag-rest.php';
		require_once $dir . 'class-smtpdiag-admin.php';

		add_action( 'init', array( __CLASS__, 'load_textdomain' ) );

		Smtpdiag_Mail_Log::register();
		Smtpdiag_Monitor::register();
		Smtpdiag_Site_Health::register();
		Smtpdiag_Rest::register();
		Smtpdiag_Admin::register();

		if ( defined( 'WP_CLI' ) && WP_CLI ) {
			require_once $dir . 'class-smtpdiag-cli.php';
			WP_CLI::add_command( 'smtpdiag', 'Smtpdiag_Cli' );
		}
	}

	/**
	 * Loads translations from the plugin's languages/ folder.
	 */
	public static function load_textdomain() {
		load_plugin_textdomain( 'smtpdiag', false, dirname( plugin_basename( SMTPDIAG_FILE ) ) . '/languages' );
	}

	/**
	 * Whether the current user may use smtpdiag: manage_options, and on
	 * multisite only a super admin (the checks reveal the network's mail setup).
	 *
	 * @return bool
	 */
	public static function current_user_can_manage() {
		if ( is_multisite() ) {
			return is_super_admin();
		}
		return current_user_can( self::CAPABILITY );
	}

	/**
	 * The capability for admin menus: on multisite one only super admins have.
	 *
	 * @return string
	 */
	public static function menu_capability() {
		return is_multisite() ? 'manage_network_options' : self::CAPABILITY;
	}

	/**
	 * Activation: schedule the daily check.
	 */
	public static function activate() {
		Smtpdiag_Monitor::schedule();
	}

	/**
	 * Deactivation: unschedule the checks (options stay until uninstall).
	 */
	public static function deactivate() {
		Smtpdiag_Monitor::unschedule();
	}
}
