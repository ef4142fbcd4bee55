<?php

declare(strict_types=1);

require __DIR__ . '/../../php-bindings/lib/autoload.php';
require_once __DIR__ . '/../phpt/fixtures/smtp_server.inc';
require_once __DIR__ . '/TestEnv.php';
