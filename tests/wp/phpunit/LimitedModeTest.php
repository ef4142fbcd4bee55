<?php
/**
 * Without the extension the plugin runs on the library's pure-PHP mode and
 * says so (Site Health, the record's engine and what it cannot see).
 */
class LimitedModeTest extends Smtpdiag_Integration_TestCase {

	public function test_without_the_extension() {
		$this->lab_smtp( self::HEALTHY );
		$code = '$_SERVER["HTTP_HOST"] = "127.0.0.1"; require getenv("WP_TESTS_SITE") . "/wp-load.php";'
			. ' require_once ABSPATH . "wp-admin/includes/admin.php";'
			. ' $engine = Smtpdiag_Site_Health::test_engine();'
			. ' $record = Smtpdiag_Runner::diagnose("test", null, false);'
			. ' echo json_encode(array("loaded" => extension_loaded("smtpdiag"), "engine" => $engine, "record" => $record));';
		// The same PHP, minus the extension.
		$args = array_values( array_filter( preg_split( '/\s+/', (string) getenv( 'WP_TESTS_PHP_ARGS' ) ), 'strlen' ) );
		$keep = array();
		for ( $i = 0; $i < count( $args ); $i += 2 ) {
			if ( 0 !== strpos( $args[ $i + 1 ], 'extension=' ) ) {
				array_push( $keep, $args[ $i ], $args[ $i + 1 ] );
			}
		}
		$proc = proc_open( array_merge( array( PHP_BINARY ), $keep, array( '-r', $code ) ), array( 1 => array( 'pipe', 'w' ), 2 => array( 'pipe', 'w' ) ), $pipes );
		$out  = stream_get_contents( $pipes[1] );
		$err  = stream_get_contents( $pipes[2] );
		proc_close( $proc );
		$data = json_decode( $out, true );
		$this->assertIsArray( $data, $out . $err );
		$this->assertFalse( $data['loaded'] );
		$this->assertSame( 'recommended', $data['engine']['status'] );
		$this->assertStringContainsString( 'limited mode', $data['engine']['label'] );
		$this->assertSame( 'php', $data['record']['engine'], 'the library answered in its PHP mode' );
		$this->assertNull( $data['record']['error'], (string) $data['record']['message'] );
		$this->assertNotEmpty( $data['record']['limited'], 'and said what it cannot see' );
		$this->assertNoSecret( $data );
	}
}
