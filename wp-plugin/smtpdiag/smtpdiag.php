<?php
/**
 * Plugin Name:       SMTP Diagnostics (smtpdiag)
 * Description:       Finds out why this site's mail does not go out: probes the mail server from this host, names the root cause and its fix in Site Health, Tools > SMTP Diagnostics and WP-CLI.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            smtpdiag contributors
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       smtpdiag
 * Domain Path:       /languages
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

define( 'SMTPDIAG_VERSION', '0.1.0' );
define( 'SMTPDIAG_MIN_PHP', '8.1' );
define( 'SMTPDIAG_FILE', __FILE__ );
define( 'SMTPDIAG_DIR', plugin_dir_path( __FILE__ ) );

/*
 * Requirement check before anything loads: the plugin itself needs PHP 8.1
 * (the SmtpDiag\ library returns readonly objects). The extension is not a
 * requirement: without it the library runs in its limited PHP mode, and the
 * plugin says what that mode cannot see.
 */
if ( version_compare( PHP_VERSION, SMTPDIAG_MIN_PHP, '<' ) ) {
	add_action(
		'admin_notices',
		static function () {
			if ( ! current_user_can( 'activate_plugins' ) ) {
				return;
			}
			printf(
				'<div class="notice notice-error"><p>%s</p></div>',
				esc_html(
					sprintf(
						/* translators: 1: required PHP version, 2: running PHP version. */
						__( 'SMTP Diagnostics needs PHP %1$s or newer; this site runs PHP %2$s. The plugin is inactive until PHP is upgraded.', 'smtpdiag' ),
						SMTPDIAG_MIN_PHP,
						PHP_VERSION
					)
				)
			);
		}
	);
	return;
}

require_once SMTPDIAG_DIR . 'includes/class-smtpdiag-plugin.php';

Smtpdiag_Plugin::boot();

register_activation_hook( __FILE__, array( 'Smtpdiag_Plugin', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Smtpdiag_Plugin', 'deactivate' ) );
