<?php
// Constants the plugin defines at load time (or a site may define), for PHPStan only.
define('SMTPDIAG_DIR', dirname(__DIR__, 3) . '/wp-plugin/smtpdiag/');
define('SMTPDIAG_FILE', SMTPDIAG_DIR . 'smtpdiag.php');
define('SMTPDIAG_MIN_PHP', '8.1');
define('SMTPDIAG_VERSION', '0.0.0');
// WordPress core constants (wordpress-stubs declares functions and classes, not these).
define('ABSPATH', '/tmp/wordpress/');
define('WPINC', 'wp-includes');
define('WP_CONTENT_DIR', ABSPATH . 'wp-content');
define('WP_PLUGIN_DIR', WP_CONTENT_DIR . '/plugins');
define('WPMU_PLUGIN_DIR', WP_CONTENT_DIR . '/mu-plugins');
define('MINUTE_IN_SECONDS', 60);
define('HOUR_IN_SECONDS', 3600);
define('DAY_IN_SECONDS', 86400);
define('WEEK_IN_SECONDS', 604800);
define('WP_DEBUG', false);
