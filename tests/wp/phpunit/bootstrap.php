<?php
/**
 * Loads the run's WordPress (with the plugin active) into the PHPUnit process.
 * WordPress runs here exactly as under `php -S`: same database, same
 * extension, same network namespace (sd-client), same user (sdwp).
 */
$site = getenv( 'WP_TESTS_SITE' );
$url  = getenv( 'WP_TESTS_URL' );
if ( ! $site || ! $url ) {
	fwrite( STDERR, "Run through tests/wp/run.sh (WP_TESTS_SITE and WP_TESTS_URL are not set).\n" );
	exit( 2 );
}
$_SERVER['HTTP_HOST']   = parse_url( $url, PHP_URL_HOST ) . ':' . parse_url( $url, PHP_URL_PORT );
$_SERVER['SERVER_NAME'] = parse_url( $url, PHP_URL_HOST );
$_SERVER['REQUEST_URI'] = '/';
define( 'WP_USE_THEMES', false );
require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';
require_once dirname( __DIR__ ) . '/vendor/yoast/phpunit-polyfills/phpunitpolyfills-autoload.php';
require_once __DIR__ . '/TestCase.php';

// REST routes must be registered for rest_do_request().
do_action( 'rest_api_init', rest_get_server() );
