<?php
/**
 * Tools > SMTP Diagnostics: the page shell and its forms. Results are filled
 * in by assets/js/admin.js from the REST API.
 *
 * Variables: $settings (plugin settings), $site (public mail settings), $status (library status).
 *
 * @package smtpdiag
 */

defined( 'ABSPATH' ) || exit;

// phpcs:disable WordPress.NamingConventions.PrefixAllGlobals.NonPrefixedVariableFound -- template variables, local to Smtpdiag_Admin::render_page().
$message      = isset( $_GET['smtpdiag_message'] ) ? sanitize_key( wp_unslash( $_GET['smtpdiag_message'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- only picks which notice to show.
$default_port = $site['port'] ? (int) $site['port'] : 587;
?>
<div class="wrap smtpdiag">
	<h1><?php esc_html_e( 'SMTP Diagnostics', 'smtpdiag' ); ?></h1>

	<?php if ( 'saved' === $message ) : ?>
		<div class="notice notice-success is-dismissible"><p><?php esc_html_e( 'Monitoring settings saved.', 'smtpdiag' ); ?></p></div>
	<?php elseif ( 'webhook_invalid' === $message ) : ?>
		<div class="notice notice-error is-dismissible"><p><?php esc_html_e( 'The webhook URL was not saved: WordPress does not allow requests to it (use a public http(s) URL).', 'smtpdiag' ); ?></p></div>
	<?php endif; ?>

	<?php if ( ! $status['ok'] ) : ?>
		<div class="notice notice-error"><p><?php echo esc_html( ( new Smtpdiag_Unavailable( 'library' ) )->describe() ); ?></p></div>
	<?php elseif ( ! $status['extension'] ) : ?>
		<div class="notice notice-warning"><p><?php esc_html_e( 'Limited mode: the smtpdiag PHP extension is not loaded, so some checks cannot see everything. Each result says what is missing.', 'smtpdiag' ); ?></p></div>
	<?php endif; ?>

	<noscript><div class="notice notice-warning"><p><?php esc_html_e( 'This page runs its checks with JavaScript. Without it, use Site Health or `wp smtpdiag diagnose`.', 'smtpdiag' ); ?></p></div></noscript>

	<div id="smtpdiag-app">
		<div class="smtpdiag-toolbar">
			<button type="button" class="button button-primary" id="smtpdiag-run"><?php esc_html_e( 'Run checks now', 'smtpdiag' ); ?></button>
			<span id="smtpdiag-taken" class="smtpdiag-taken"></span>
		</div>
		<div id="smtpdiag-progress" class="smtpdiag-progress" hidden>
			<progress id="smtpdiag-progress-bar" max="100" value="0"></progress>
			<span id="smtpdiag-progress-text" aria-live="polite"></span>
		</div>

		<section class="smtpdiag-section" aria-labelledby="smtpdiag-health-title">
			<h2 id="smtpdiag-health-title"><?php esc_html_e( 'Health', 'smtpdiag' ); ?></h2>
			<div id="smtpdiag-health" aria-live="polite"></div>
		</section>

		<section class="smtpdiag-section" aria-labelledby="smtpdiag-settings-title">
			<h2 id="smtpdiag-settings-title"><?php esc_html_e( 'Settings in use', 'smtpdiag' ); ?></h2>
			<div id="smtpdiag-settings"></div>
		</section>

		<section class="smtpdiag-section" aria-labelledby="smtpdiag-matrix-title">
			<h2 id="smtpdiag-matrix-title"><?php esc_html_e( 'Ports', 'smtpdiag' ); ?></h2>
			<div id="smtpdiag-matrix"></div>
		</section>

		<section class="smtpdiag-section" aria-labelledby="smtpdiag-waterfall-title">
			<h2 id="smtpdiag-waterfall-title"><?php esc_html_e( 'Timeline', 'smtpdiag' ); ?></h2>
			<div id="smtpdiag-waterfall"></div>
		</section>

		<section class="smtpdiag-section" aria-labelledby="smtpdiag-certificate-title">
			<h2 id="smtpdiag-certificate-title"><?php esc_html_e( 'Certificate', 'smtpdiag' ); ?></h2>
			<div id="smtpdiag-certificate"></div>
		</section>

		<section class="smtpdiag-section" aria-labelledby="smtpdiag-domain-title">
			<h2 id="smtpdiag-domain-title"><?php esc_html_e( 'Domain records', 'smtpdiag' ); ?></h2>
			<div id="smtpdiag-domain"></div>
		</section>

		<section class="smtpdiag-section" aria-labelledby="smtpdiag-test-title">
			<h2 id="smtpdiag-test-title"><?php esc_html_e( 'Send a test message', 'smtpdiag' ); ?></h2>
			<form id="smtpdiag-test-form" class="smtpdiag-form" novalidate>
				<?php wp_nonce_field( 'wp_rest', '_wpnonce', false ); ?>
				<p>
					<label for="smtpdiag-test-to"><?php esc_html_e( 'Send to', 'smtpdiag' ); ?></label>
					<input type="email" id="smtpdiag-test-to" name="to" class="regular-text" required value="<?php echo esc_attr( (string) wp_get_current_user()->user_email ); ?>">
				</p>
				<fieldset>
					<legend class="screen-reader-text"><?php esc_html_e( 'How to send', 'smtpdiag' ); ?></legend>
					<label><input type="radio" name="mode" value="wp_mail" checked> <?php esc_html_e( 'Through wp_mail() with this site\'s settings', 'smtpdiag' ); ?></label><br>
					<label><input type="radio" name="mode" value="direct"> <?php esc_html_e( 'Directly, with the settings below', 'smtpdiag' ); ?></label>
				</fieldset>
				<div id="smtpdiag-direct-fields" class="smtpdiag-direct" hidden>
					<p>
						<label for="smtpdiag-test-host"><?php esc_html_e( 'SMTP host', 'smtpdiag' ); ?></label>
						<input type="text" id="smtpdiag-test-host" name="host" class="regular-text" value="<?php echo esc_attr( (string) $site['host'] ); ?>" autocomplete="off">
					</p>
					<p>
						<label for="smtpdiag-test-port"><?php esc_html_e( 'Port', 'smtpdiag' ); ?></label>
						<input type="number" id="smtpdiag-test-port" name="port" min="1" max="65535" value="<?php echo esc_attr( (string) $default_port ); ?>">
						<label for="smtpdiag-test-encryption"><?php esc_html_e( 'Encryption', 'smtpdiag' ); ?></label>
						<select id="smtpdiag-test-encryption" name="encryption">
							<option value="starttls" <?php selected( $site['encryption'], 'starttls' ); ?>><?php esc_html_e( 'STARTTLS (usually port 587)', 'smtpdiag' ); ?></option>
							<option value="tls" <?php selected( $site['encryption'], 'tls' ); ?>><?php esc_html_e( 'SSL/TLS (usually port 465)', 'smtpdiag' ); ?></option>
							<option value="none" <?php selected( $site['encryption'], 'none' ); ?>><?php esc_html_e( 'None', 'smtpdiag' ); ?></option>
						</select>
					</p>
					<p>
						<label><input type="checkbox" name="auth" value="1" <?php checked( (bool) $site['auth'] || ! $site['host'] ); ?>> <?php esc_html_e( 'Log in', 'smtpdiag' ); ?></label>
					</p>
					<p>
						<label for="smtpdiag-test-username"><?php esc_html_e( 'Username', 'smtpdiag' ); ?></label>
						<input type="text" id="smtpdiag-test-username" name="username" class="regular-text" value="<?php echo esc_attr( (string) $site['username'] ); ?>" autocomplete="off">
					</p>
					<p>
						<label for="smtpdiag-test-password"><?php esc_html_e( 'Password', 'smtpdiag' ); ?></label>
						<input type="password" id="smtpdiag-test-password" name="password" class="regular-text" value="" autocomplete="new-password">
						<span class="description"><?php esc_html_e( 'Leave empty to use the site\'s stored password (same host and username only). It is used for this test and never stored or shown.', 'smtpdiag' ); ?></span>
					</p>
					<p>
						<label for="smtpdiag-test-from"><?php esc_html_e( 'From', 'smtpdiag' ); ?></label>
						<input type="email" id="smtpdiag-test-from" name="from" class="regular-text" value="<?php echo esc_attr( (string) $site['from'] ); ?>">
					</p>
				</div>
				<p><button type="submit" class="button" id="smtpdiag-test-submit"><?php esc_html_e( 'Send test message', 'smtpdiag' ); ?></button></p>
			</form>
			<div id="smtpdiag-test-result" aria-live="polite"></div>
		</section>

		<section class="smtpdiag-section" aria-labelledby="smtpdiag-log-title">
			<h2 id="smtpdiag-log-title"><?php esc_html_e( 'Recent mail failures', 'smtpdiag' ); ?></h2>
			<div id="smtpdiag-log"></div>
		</section>
	</div>

	<section class="smtpdiag-section" aria-labelledby="smtpdiag-monitor-title">
		<h2 id="smtpdiag-monitor-title"><?php esc_html_e( 'Monitoring', 'smtpdiag' ); ?></h2>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" class="smtpdiag-form">
			<input type="hidden" name="action" value="smtpdiag_save_settings">
			<?php wp_nonce_field( 'smtpdiag_save_settings' ); ?>
			<p>
				<label><input type="checkbox" name="smtpdiag_monitoring" value="1" <?php checked( $settings['monitoring'] ); ?>> <?php esc_html_e( 'Check every day, and after the mail settings change; alert here and on the dashboard when mail breaks.', 'smtpdiag' ); ?></label>
			</p>
			<p>
				<label for="smtpdiag-webhook"><?php esc_html_e( 'Webhook URL (optional)', 'smtpdiag' ); ?></label>
				<input type="url" id="smtpdiag-webhook" name="smtpdiag_webhook_url" class="regular-text" value="<?php echo esc_attr( $settings['webhook_url'] ); ?>" placeholder="https://">
				<span class="description"><?php esc_html_e( 'Receives a JSON POST when mail breaks or recovers (mail itself may be what broke). No passwords or usernames are sent.', 'smtpdiag' ); ?></span>
			</p>
			<p>
				<label for="smtpdiag-timeout"><?php esc_html_e( 'Time limit for the checks (seconds)', 'smtpdiag' ); ?></label>
				<input type="number" id="smtpdiag-timeout" name="smtpdiag_timeout" min="2" max="60" step="1" value="<?php echo esc_attr( (string) $settings['timeout'] ); ?>">
			</p>
			<?php submit_button( __( 'Save monitoring settings', 'smtpdiag' ) ); ?>
		</form>
	</section>
</div>
