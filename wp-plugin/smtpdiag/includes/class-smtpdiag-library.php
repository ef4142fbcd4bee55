<?php
/**
 * Loads the SmtpDiag\ PHP library (php-bindings/lib) and calls its facade.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * The only place that talks to php-bindings: SmtpDiag\Diagnostics. Every call
 * returns the facade result's toArray() (the contract arrays plus 'engine'
 * and 'unavailable'); the plugin never calls smtpdiag_* functions itself.
 */
final class Smtpdiag_Library {

	/**
	 * The facade class.
	 */
	const FACADE = '\\SmtpDiag\\Diagnostics';

	/**
	 * Which autoloader was loaded, or null.
	 *
	 * @var array|null
	 */
	private static $loaded = null;

	/**
	 * The facade instance (when its methods are not static).
	 *
	 * @var object|null
	 */
	private static $instance = null;

	/**
	 * Candidate autoloaders, first match wins: the SMTPDIAG_LIBRARY constant
	 * (a library installed elsewhere), the copy bundled into the plugin's zip
	 * (vendor-lib/, made by php-bindings/lib/bin/bundle-into-plugin), then the
	 * repository's php-bindings/lib when the plugin runs from a checkout.
	 *
	 * @return array<string,string> source => path
	 */
	public static function candidates() {
		$candidates = array();
		if ( defined( 'SMTPDIAG_LIBRARY' ) && is_string( SMTPDIAG_LIBRARY ) && '' !== SMTPDIAG_LIBRARY ) {
			$candidates['constant'] = SMTPDIAG_LIBRARY;
		}
		$candidates['bundled'] = SMTPDIAG_DIR . 'vendor-lib/autoload.php';
		$candidates['repo']    = dirname( SMTPDIAG_DIR, 2 ) . '/php-bindings/lib/autoload.php';
		return $candidates;
	}

	/**
	 * Loads the library once.
	 *
	 * @return bool Whether the facade class is available.
	 */
	public static function load() {
		if ( null !== self::$loaded ) {
			return self::$loaded['ok'];
		}
		self::$loaded = array(
			'ok'     => false,
			'source' => null,
			'path'   => null,
		);
		if ( class_exists( self::FACADE ) ) {
			self::$loaded = array(
				'ok'     => true,
				'source' => 'preloaded',
				'path'   => null,
			);
			return true;
		}
		foreach ( self::candidates() as $source => $path ) {
			if ( is_readable( $path ) ) {
				require_once $path;
				self::$loaded = array(
					'ok'     => class_exists( self::FACADE ),
					'source' => $source,
					'path'   => $path,
				);
				break;
			}
		}
		return self::$loaded['ok'];
	}

	/**
	 * What was loaded, for Site Health and the debug section.
	 *
	 * @return array{ok:bool,source:?string,path:?string,extension:bool,extension_version:?string}
	 */
	public static function status() {
		self::load();
		$status                      = self::$loaded;
		$status['extension']         = extension_loaded( 'smtpdiag' );
		$status['extension_version'] = $status['extension'] ? phpversion( 'smtpdiag' ) : null;
		return $status;
	}

	/**
	 * Whether the facade offers a method (diagnose() arrives later than probe()).
	 *
	 * @param string $method Facade method name.
	 * @return bool
	 */
	public static function has( $method ) {
		return self::load() && method_exists( ltrim( self::FACADE, '\\' ), $method );
	}

	/**
	 * Calls a facade method and returns its result as the contract array.
	 *
	 * @param string $method Facade method: probe, checkCertificate, checkDomain, sendTest, diagnose, diagnoseMany.
	 * @param array  $args   Positional arguments, as the smtpdiag_* function takes them.
	 * @return array
	 * @throws Smtpdiag_Unavailable When the library or the method is missing. The
	 *         library's ValueError/TypeError (bad arguments, thrown before any
	 *         network I/O) pass through to the caller.
	 */
	public static function call( $method, array $args ) {
		if ( ! self::load() ) {
			throw new Smtpdiag_Unavailable( 'library' );
		}
		if ( ! self::has( $method ) ) {
			throw new Smtpdiag_Unavailable( $method );
		}
		$class  = ltrim( self::FACADE, '\\' );
		$reflex = new ReflectionMethod( $class, $method );
		if ( $reflex->isStatic() ) {
			$result = $reflex->invokeArgs( null, $args );
		} else {
			if ( null === self::$instance ) {
				self::$instance = new $class();
			}
			$result = $reflex->invokeArgs( self::$instance, $args );
		}
		return self::to_array( $result );
	}

	/**
	 * The facade returns readonly objects with toArray(); lists of them for
	 * diagnoseMany().
	 *
	 * @param mixed $result Facade result.
	 * @return array
	 * @throws Smtpdiag_Unavailable When the result has no array form.
	 */
	private static function to_array( $result ) {
		if ( is_object( $result ) && method_exists( $result, 'toArray' ) ) {
			return (array) $result->toArray();
		}
		if ( is_array( $result ) ) {
			$out = array();
			foreach ( $result as $key => $item ) {
				$out[ $key ] = ( is_object( $item ) && method_exists( $item, 'toArray' ) ) ? (array) $item->toArray() : $item;
			}
			return $out;
		}
		throw new Smtpdiag_Unavailable( 'result' );
	}
}
