<?php
/**
 * Sets what the lab mu-plugin's phpmailer_init configures (the "site's real
 * mail settings" of the test site), or other options:
 *   php lab-config.php smtp '{"host":"mail.lab.test","port":465,...}'   (or 'null' to remove)
 *   php lab-config.php option NAME 'JSON'
 */
$_SERVER['HTTP_HOST'] = parse_url( getenv( 'WP_TESTS_URL' ), PHP_URL_HOST ) . ':' . parse_url( getenv( 'WP_TESTS_URL' ), PHP_URL_PORT );
require getenv( 'WP_TESTS_SITE' ) . '/wp-load.php';
if ( 'smtp' === $argv[1] ) {
	$name  = 'smtpdiag_lab_smtp';
	$value = json_decode( $argv[2], true );
} else {
	$name  = $argv[2];
	$value = json_decode( $argv[3], true );
}
if ( null === $value ) {
	delete_option( $name );
} else {
	update_option( $name, $value, false );
}
echo "ok\n";
