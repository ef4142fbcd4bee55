<?php
/**
 * Monitoring: a daily check, a check after mail settings change, alerts on regression.
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

/**
 * WP-Cron checks and the regression alert. Because mail may be exactly what
 * broke, the alert is shown in the admin (notice + dashboard widget) and
 * optionally POSTed to a webhook, never mailed.
 */
final class Smtpdiag_Monitor {

	const DAILY_HOOK  = 'smtpdiag_daily_check';
	const CHANGE_HOOK = 'smtpdiag_settings_changed_check';

	/**
	 * Registers the hooks.
	 */
	public static function register() {
		add_action( self::DAILY_HOOK, array( __CLASS__, 'run_daily' ) );
		add_action( self::CHANGE_HOOK, array( __CLASS__, 'run_after_change' ) );
		add_action( Smtpdiag_Mail_Log::FAILURE_HOOK, array( __CLASS__, 'run_after_failure' ) );
		add_action( 'smtpdiag_diagnosis_recorded', array( __CLASS__, 'on_recorded' ), 10, 2 );
		foreach ( Smtpdiag_Mail_Settings::WATCHED_OPTIONS as $option ) {
			add_action( 'update_option_' . $option, array( __CLASS__, 'schedule_change_check' ) );
			add_action( 'add_option_' . $option, array( __CLASS__, 'schedule_change_check' ) );
		}
		add_action( 'activated_plugin', array( __CLASS__, 'schedule_change_check' ) );
		add_action( 'deactivated_plugin', array( __CLASS__, 'schedule_change_check' ) );
		add_action( 'admin_init', array( __CLASS__, 'ensure_scheduled' ) );
	}

	/**
	 * Schedules the daily check when monitoring is on.
	 */
	public static function schedule() {
		if ( Smtpdiag_Store::settings()['monitoring'] && ! wp_next_scheduled( self::DAILY_HOOK ) ) {
			wp_schedule_event( time() + MINUTE_IN_SECONDS, 'daily', self::DAILY_HOOK );
		}
	}

	/**
	 * Removes every scheduled check.
	 */
	public static function unschedule() {
		wp_clear_scheduled_hook( self::DAILY_HOOK );
		wp_clear_scheduled_hook( self::CHANGE_HOOK );
		wp_clear_scheduled_hook( Smtpdiag_Mail_Log::FAILURE_HOOK );
	}

	/**
	 * Keeps the schedule in line with the monitoring setting.
	 */
	public static function ensure_scheduled() {
		if ( Smtpdiag_Store::settings()['monitoring'] ) {
			self::schedule();
		} elseif ( wp_next_scheduled( self::DAILY_HOOK ) ) {
			wp_clear_scheduled_hook( self::DAILY_HOOK );
		}
	}

	/**
	 * A mail setting changed: check again shortly (once, however many options changed).
	 */
	public static function schedule_change_check() {
		if ( Smtpdiag_Store::settings()['monitoring'] && ! wp_next_scheduled( self::CHANGE_HOOK ) ) {
			wp_schedule_single_event( time() + 30, self::CHANGE_HOOK );
		}
	}

	/**
	 * The daily check.
	 */
	public static function run_daily() {
		Smtpdiag_Runner::diagnose( 'cron' );
	}

	/**
	 * The check after a settings change.
	 */
	public static function run_after_change() {
		Smtpdiag_Runner::diagnose( 'settings_change' );
	}

	/**
	 * The check a mail failure asked for.
	 */
	public static function run_after_failure() {
		Smtpdiag_Runner::diagnose( 'mail_failed' );
	}

	/**
	 * Opens the alert on a regression, closes it on recovery.
	 *
	 * @param array      $record   New record.
	 * @param array|null $previous Previous record.
	 */
	public static function on_recorded( $record, $previous ) {
		$now = Smtpdiag_Runner::state_of( $record );
		if ( 'unknown' === $now ) {
			return;
		}
		$root   = Smtpdiag_Runner::root_finding( $record );
		$before = null === $previous ? null : Smtpdiag_Runner::state_of( $previous );
		$was    = null === $previous ? null : Smtpdiag_Runner::root_finding( $previous );
		$alert  = Smtpdiag_Store::alert();

		if ( 'critical' === $now ) {
			$code = null === $root ? 'critical' : $root['code'];
			if ( null !== $alert && $alert['root_cause'] === $code ) {
				$alert['taken_at'] = $record['taken_at'];
				Smtpdiag_Store::set_alert( $alert );
				return;
			}
			$changed = 'critical' !== $before || null === $was || $was['code'] !== $code;
			if ( ! $changed && null === $alert ) {
				return; // Same failure as before and the admin dismissed it.
			}
			$alert            = array(
				'root_cause'     => $code,
				'title'          => null === $root ? __( 'Mail checks found a critical problem', 'smtpdiag' ) : $root['title'],
				'detail'         => null === $root ? '' : $root['detail'],
				'fix'            => null === $root ? '' : $root['fix'],
				'since'          => $record['taken_at'],
				'taken_at'       => $record['taken_at'],
				'previous_state' => $before,
				'trigger'        => $record['trigger'],
				'webhook'        => null,
			);
			$alert['webhook'] = self::send_webhook( 'regression', $record, $alert );
			Smtpdiag_Store::set_alert( $alert );
			/**
			 * Fires when mail checks regress to a critical state.
			 *
			 * @param array $alert  The alert.
			 * @param array $record The record.
			 */
			do_action( 'smtpdiag_regression', $alert, $record );
			return;
		}

		if ( null !== $alert ) {
			Smtpdiag_Store::set_alert( null );
			self::send_webhook( 'recovered', $record, $alert );
		}
	}

	/**
	 * POSTs an event to the webhook, if one is set. No secrets: the record is
	 * scrubbed and only host, port and encryption of the settings are sent.
	 *
	 * @param string $event  regression|recovered.
	 * @param array  $record Record.
	 * @param array  $alert  Alert.
	 * @return array|null {code} or {error}; null when no webhook.
	 */
	public static function send_webhook( $event, array $record, array $alert ) {
		$url = Smtpdiag_Store::settings()['webhook_url'];
		if ( '' === $url ) {
			return null;
		}
		$payload = array(
			'event'      => $event,
			'site'       => home_url(),
			'root_cause' => $alert['root_cause'],
			'title'      => $alert['title'],
			'detail'     => $alert['detail'],
			'fix'        => $alert['fix'],
			'taken_at'   => gmdate( 'c', (int) $record['taken_at'] ),
			'server'     => array(
				'host'       => $record['settings']['host'] ?? '',
				'port'       => $record['settings']['port'] ?? 0,
				'encryption' => $record['settings']['encryption'] ?? '',
			),
		);
		/**
		 * Filters the webhook payload.
		 *
		 * @param array  $payload Payload.
		 * @param string $event   regression|recovered.
		 */
		$payload  = apply_filters( 'smtpdiag_webhook_payload', $payload, $event );
		$response = wp_safe_remote_post(
			$url,
			array(
				'timeout' => 5,
				'headers' => array( 'Content-Type' => 'application/json' ),
				'body'    => wp_json_encode( $payload ),
			)
		);
		if ( is_wp_error( $response ) ) {
			return array( 'error' => $response->get_error_message() );
		}
		return array( 'code' => (int) wp_remote_retrieve_response_code( $response ) );
	}
}
