<?php
// Router for `php -S`: static files as files, everything else through WordPress
// (so /wp-json/... and pretty permalinks work).
$root = $_SERVER['DOCUMENT_ROOT'];
$path = urldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
$file = realpath( $root . $path );
if ( $file && is_file( $file ) && ! str_ends_with( $file, '.php' ) ) {
	return false;
}
if ( $file && is_dir( $file ) && is_file( $file . '/index.php' ) ) {
	$file .= '/index.php';
}
if ( $file && is_file( $file ) && str_ends_with( $file, '.php' ) ) {
	$_SERVER['SCRIPT_NAME']     = substr( $file, strlen( realpath( $root ) ) );
	$_SERVER['SCRIPT_FILENAME'] = $file;
	$_SERVER['PHP_SELF']        = $_SERVER['SCRIPT_NAME'];
	chdir( dirname( $file ) );
	require $file;
	return;
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
chdir( $root );
require $root . '/index.php';
