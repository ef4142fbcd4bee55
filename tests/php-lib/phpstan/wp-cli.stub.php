<?php
// The few WP-CLI APIs the plugin uses, for PHPStan only (no wp-cli stubs package on this machine's Packagist).

namespace {
class WP_CLI
{
    /** @param callable|class-string|object $callable @param array<string, mixed> $args */
    public static function add_command(string $name, $callable, array $args = []): bool {}
    /** @return never */
    public static function error(string|\WP_Error $message, bool|int $exit = true): void {}
    /** @return never */
    public static function halt(int $return_code): void {}
    public static function log(string $message): void {}
    public static function success(string $message): void {}
    public static function warning(string $message): void {}
}
}

namespace WP_CLI\Utils {

/**
 * @param array<int|string, mixed> $items
 * @param array<int, string>|string $fields
 */
function format_items(string $format, array $items, array|string $fields): void {}

/** @param array<string, mixed> $assoc_args */
function get_flag_value(array $assoc_args, string $flag, mixed $default = null): mixed {}

/** @return object{tick: callable, finish: callable} */
function make_progress_bar(string $message, int $count, int $interval = 100): object {}
}
