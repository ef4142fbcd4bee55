<?php
/**
 * Installs WordPress into the run's temporary site and prepares it:
 *   php install-wp.php ADMIN_PASSWORD SUBSCRIBER_PASSWORD
 * (run with the site's wp-config.php reachable through WP_TESTS_SITE).
 */
$site = getenv( 'WP_TESTS_SITE' );
if ( ! $site || ! is_file( $site . '/wp-config.php' ) ) {
	fwrite( STDERR, "install-wp.php: WP_TESTS_SITE must point to the site\n" );
	exit( 2 );
}
define( 'WP_INSTALLING', true );
$_SERVER['HTTP_HOST'] = parse_url( getenv( 'WP_TESTS_URL' ), PHP_URL_HOST ) . ':' . parse_url( getenv( 'WP_TESTS_URL' ), PHP_URL_PORT );
require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

[ , $admin_pass, $subscriber_pass ] = $argv;
$result = wp_install( 'smtpdiag test site', 'admin', 'admin@lab.test', false, '', wp_slash( $admin_pass ) );
if ( is_wp_error( $result ) ) {
	fwrite( STDERR, $result->get_error_message() . "\n" );
	exit( 1 );
}
wp_create_user( 'subscriber', $subscriber_pass, 'subscriber@lab.test' );
update_option( 'permalink_structure', '/%postname%/' );
update_option( 'siteurl', getenv( 'WP_TESTS_URL' ) );
update_option( 'home', getenv( 'WP_TESTS_URL' ) );
$activated = activate_plugin( 'smtpdiag/smtpdiag.php' );
if ( is_wp_error( $activated ) ) {
	fwrite( STDERR, 'activate: ' . $activated->get_error_message() . "\n" );
	exit( 1 );
}
echo 'installed WordPress ', get_bloginfo( 'version' ), "\n";
