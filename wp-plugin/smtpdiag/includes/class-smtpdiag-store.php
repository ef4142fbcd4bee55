<?php
/**
 * The plugin's options: the latest diagnosis, the alert, the failure log, its own settings.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Option storage. Everything is stored already scrubbed of secrets, and
 * none of it autoloads.
 */
final class Smtpdiag_Store {

	const LAST     = 'smtpdiag_last_result';
	const PREVIOUS = 'smtpdiag_previous_result';
	const ALERT    = 'smtpdiag_alert';
	const LOG      = 'smtpdiag_mail_log';
	const SETTINGS = 'smtpdiag_settings';

	/**
	 * Every option the plugin writes (uninstall.php removes these).
	 *
	 * @var string[]
	 */
	const ALL = array( self::LAST, self::PREVIOUS, self::ALERT, self::LOG, self::SETTINGS );

	/**
	 * The plugin's own settings with defaults.
	 *
	 * @return array{monitoring:bool,webhook_url:string,timeout:float}
	 */
	public static function settings() {
		$stored = get_option( self::SETTINGS, array() );
		$stored = is_array( $stored ) ? $stored : array();
		return array(
			'monitoring'  => isset( $stored['monitoring'] ) ? (bool) $stored['monitoring'] : true,
			'webhook_url' => isset( $stored['webhook_url'] ) ? (string) $stored['webhook_url'] : '',
			'timeout'     => isset( $stored['timeout'] ) ? (float) $stored['timeout'] : 10.0,
		);
	}

	/**
	 * Saves the plugin's settings (already sanitised by the caller).
	 *
	 * @param array $settings Settings.
	 */
	public static function save_settings( array $settings ) {
		update_option( self::SETTINGS, array_merge( self::settings(), $settings ), false );
	}

	/**
	 * The latest diagnosis record, or null.
	 *
	 * @return array|null
	 */
	public static function last() {
		$record = get_option( self::LAST, null );
		return is_array( $record ) ? $record : null;
	}

	/**
	 * The record before the latest, or null.
	 *
	 * @return array|null
	 */
	public static function previous() {
		$record = get_option( self::PREVIOUS, null );
		return is_array( $record ) ? $record : null;
	}

	/**
	 * Stores a new record; the old latest becomes the previous one.
	 *
	 * @param array $record Scrubbed record.
	 * @return array|null The previous record.
	 */
	public static function push( array $record ) {
		$previous = self::last();
		if ( null !== $previous ) {
			update_option( self::PREVIOUS, $previous, false );
		}
		update_option( self::LAST, $record, false );
		return $previous;
	}

	/**
	 * The open alert, or null.
	 *
	 * @return array|null
	 */
	public static function alert() {
		$alert = get_option( self::ALERT, null );
		return is_array( $alert ) ? $alert : null;
	}

	/**
	 * Opens or clears the alert.
	 *
	 * @param array|null $alert Alert, or null to clear.
	 */
	public static function set_alert( $alert ) {
		if ( null === $alert ) {
			delete_option( self::ALERT );
			return;
		}
		update_option( self::ALERT, $alert, false );
	}

	/**
	 * The failure log, newest first.
	 *
	 * @return array[]
	 */
	public static function log() {
		$log = get_option( self::LOG, array() );
		return is_array( $log ) ? array_values( $log ) : array();
	}

	/**
	 * Adds a failure, keeping the newest $max.
	 *
	 * @param array $entry Entry.
	 * @param int   $max   How many to keep.
	 */
	public static function add_log( array $entry, $max = 50 ) {
		$log = self::log();
		array_unshift( $log, $entry );
		update_option( self::LOG, array_slice( $log, 0, $max ), false );
	}
}
