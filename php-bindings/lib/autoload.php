<?php

/*
 * PSR-4 autoloader for the SmtpDiag\ library, for use without Composer
 * (the WordPress plugin bundles it): require this file once.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'SmtpDiag\\', 9) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 9)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
