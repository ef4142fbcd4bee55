<?php
/**
 * Keeps secrets and addresses out of what is stored, logged or sent to the browser.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Redaction helpers. The core already redacts its transcripts; this is the
 * second line: whatever leaves PHP (REST, options, webhook, WP-CLI) passes
 * through scrub() with the password that was used.
 */
final class Smtpdiag_Redactor {

	/**
	 * What replaces a secret.
	 */
	const MASK = '[redacted]';

	/**
	 * Keys whose values are secrets wherever they appear.
	 *
	 * @var string[]
	 */
	private static $secret_keys = array( 'password', 'pass', 'basic_auth_password', 'secret', 'token', 'api_key' );

	/**
	 * The forms a password takes on the wire: itself, base64 (AUTH LOGIN),
	 * and AUTH PLAIN's base64("\0user\0pass") / base64("user\0user\0pass").
	 *
	 * @param string $password Password.
	 * @param string $username Username.
	 * @return string[]
	 */
	public static function secret_forms( $password, $username = '' ) {
		$password = (string) $password;
		if ( '' === $password ) {
			return array();
		}
		// phpcs:disable WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- the wire forms of the secret, to remove them.
		$forms = array(
			$password,
			base64_encode( $password ),
			base64_encode( "\0" . $username . "\0" . $password ),
			base64_encode( $username . "\0" . $username . "\0" . $password ),
			rawurlencode( $password ),
		);
		// phpcs:enable
		$forms = array_values( array_unique( $forms ) );
		usort(
			$forms,
			static function ( $a, $b ) {
				return strlen( $b ) - strlen( $a );
			}
		);
		return $forms;
	}

	/**
	 * Replaces every secret form in every string of $data, and masks values
	 * under secret-looking keys.
	 *
	 * @param mixed    $data    Array or scalar.
	 * @param string[] $secrets Output of secret_forms() (or plain strings).
	 * @return mixed
	 */
	public static function scrub( $data, array $secrets ) {
		if ( is_array( $data ) ) {
			$out = array();
			foreach ( $data as $key => $value ) {
				if ( is_string( $key ) && in_array( strtolower( $key ), self::$secret_keys, true ) && is_string( $value ) && '' !== $value ) {
					$out[ $key ] = self::MASK;
					continue;
				}
				$out[ $key ] = self::scrub( $value, $secrets );
			}
			return $out;
		}
		if ( is_string( $data ) && $secrets ) {
			foreach ( $secrets as $secret ) {
				if ( strlen( $secret ) >= 3 ) {
					$data = str_replace( $secret, self::MASK, $data );
				}
			}
		}
		return $data;
	}

	/**
	 * Keeps only the domain of every address in a text: "bob@example.com"
	 * becomes "…@example.com".
	 *
	 * @param string $text Text.
	 * @return string
	 */
	public static function addresses_to_domains( $text ) {
		return (string) preg_replace( '/[A-Za-z0-9.!#$%&\'*+\/=?^_`{|}~-]+@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)/', '…@$1', (string) $text );
	}

	/**
	 * The domain part of an address ('' when there is none).
	 *
	 * @param string $address Address, possibly "Name <a@b>".
	 * @return string
	 */
	public static function domain_of( $address ) {
		$address = trim( (string) $address );
		if ( preg_match( '/<([^>]*)>/', $address, $m ) ) {
			$address = $m[1];
		}
		$at = strrpos( $address, '@' );
		if ( false === $at ) {
			return '';
		}
		return strtolower( rtrim( substr( $address, $at + 1 ), '>' ) );
	}
}
