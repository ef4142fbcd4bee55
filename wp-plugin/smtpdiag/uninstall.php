<?php
/**
 * Removes everything the plugin stored: its options (on every site of a
 * network) and its scheduled checks. The mail plugins' own options are not touched.
 *
 * @package smtpdiag
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

/**
 * Removes the plugin's data from the current site.
 */
function smtpdiag_uninstall_site() {
	foreach ( array( 'smtpdiag_last_result', 'smtpdiag_previous_result', 'smtpdiag_alert', 'smtpdiag_mail_log', 'smtpdiag_settings' ) as $smtpdiag_option ) {
		delete_option( $smtpdiag_option );
	}
	foreach ( array( 'smtpdiag_daily_check', 'smtpdiag_settings_changed_check', 'smtpdiag_failure_check' ) as $smtpdiag_hook ) {
		wp_clear_scheduled_hook( $smtpdiag_hook );
	}
}

if ( is_multisite() ) {
	foreach ( get_sites( array( 'fields' => 'ids' ) ) as $smtpdiag_site_id ) {
		switch_to_blog( $smtpdiag_site_id );
		smtpdiag_uninstall_site();
		restore_current_blog();
	}
} else {
	smtpdiag_uninstall_site();
}
