<?php
/**
 * The exception for a missing library or facade method.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Thrown when the library, or one of its methods, is not there: the UI says
 * so instead of showing a result.
 */
final class Smtpdiag_Unavailable extends Exception {

	/**
	 * What is missing: 'library', 'result' or a method name.
	 *
	 * @var string
	 */
	public $what;

	/**
	 * Constructor.
	 *
	 * @param string $what What is missing.
	 */
	public function __construct( $what ) {
		$this->what = $what;
		parent::__construct( 'smtpdiag: unavailable: ' . $what );
	}

	/**
	 * A sentence for the admin.
	 *
	 * @return string
	 */
	public function describe() {
		if ( 'library' === $this->what ) {
			return __( 'The smtpdiag PHP library (php-bindings/lib) is not installed with this plugin, so no check can run. Reinstall the plugin from its release zip.', 'smtpdiag' );
		}
		if ( 'result' === $this->what ) {
			return __( 'The smtpdiag library returned a result this plugin does not understand. Update the plugin and the library together.', 'smtpdiag' );
		}
		return sprintf(
			/* translators: %s: a method name such as diagnose(). */
			__( 'This build of the smtpdiag library has no %s yet, so this check cannot run. Nothing is shown in its place.', 'smtpdiag' ),
			$this->what . '()'
		);
	}
}
