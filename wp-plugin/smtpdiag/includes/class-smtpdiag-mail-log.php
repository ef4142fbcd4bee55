<?php
/**
 * Log of the last wp_mail() failures, correlated with the latest diagnosis.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * Records each `wp_mail_failed`: time, the error (addresses reduced to their
 * domains), the recipients' domains only, and the diagnosis that was current
 * then. A failure with no recent diagnosis schedules one.
 */
final class Smtpdiag_Mail_Log {

	/**
	 * How many failures are kept.
	 */
	const MAX = 50;

	/**
	 * Cron hook for the diagnosis a failure asks for.
	 */
	const FAILURE_HOOK = 'smtpdiag_failure_check';

	/**
	 * Registers the hooks.
	 */
	public static function register() {
		add_action( 'wp_mail_failed', array( __CLASS__, 'record' ) );
	}

	/**
	 * Records a failure.
	 *
	 * @param mixed $error The error wp_mail() reported (a WP_Error; anything else is ignored).
	 */
	public static function record( $error ) {
		if ( ! $error instanceof WP_Error ) {
			return;
		}
		$data    = (array) $error->get_error_data();
		$to      = isset( $data['to'] ) ? (array) $data['to'] : array();
		$domains = array();
		foreach ( $to as $address ) {
			$domain = Smtpdiag_Redactor::domain_of( (string) $address );
			if ( '' !== $domain ) {
				$domains[] = $domain;
			}
		}
		$settings = Smtpdiag_Mail_Settings::discover();
		$secrets  = Smtpdiag_Redactor::secret_forms( $settings['password'], $settings['username'] );
		$message  = Smtpdiag_Redactor::addresses_to_domains( $error->get_error_message() );
		$message  = (string) Smtpdiag_Redactor::scrub( $message, $secrets );
		unset( $settings );

		$last = Smtpdiag_Store::last();
		$root = Smtpdiag_Runner::root_finding( $last );
		Smtpdiag_Store::add_log(
			array(
				'time'              => time(),
				'error'             => function_exists( 'mb_substr' ) ? mb_substr( $message, 0, 500 ) : substr( $message, 0, 500 ),
				'recipient_domains' => array_values( array_unique( $domains ) ),
				'test'              => Smtpdiag_Test_Send::$running,
				'diagnosis'         => null === $last ? null : array(
					'taken_at'   => (int) $last['taken_at'],
					'state'      => Smtpdiag_Runner::state_of( $last ),
					'root_cause' => null === $root ? null : $root['code'],
					'title'      => null === $root ? '' : $root['title'],
				),
			),
			self::MAX
		);

		// No diagnosis in the last hour: take one soon, so the log can say why.
		if ( ! Smtpdiag_Test_Send::$running && ( null === $last || time() - (int) $last['taken_at'] > HOUR_IN_SECONDS ) && ! wp_next_scheduled( self::FAILURE_HOOK ) ) {
			wp_schedule_single_event( time() + 10, self::FAILURE_HOOK );
		}
	}

	/**
	 * The log for display, each entry with the latest diagnosis beside it.
	 *
	 * @return array{entries:array[],latest:?array}
	 */
	public static function view() {
		$last = Smtpdiag_Store::last();
		$root = Smtpdiag_Runner::root_finding( $last );
		return array(
			'entries' => Smtpdiag_Store::log(),
			'latest'  => null === $last ? null : array(
				'taken_at'   => (int) $last['taken_at'],
				'state'      => Smtpdiag_Runner::state_of( $last ),
				'root_cause' => null === $root ? null : $root['code'],
				'title'      => null === $root ? '' : $root['title'],
				'fix'        => null === $root ? '' : $root['fix'],
			),
		);
	}
}
