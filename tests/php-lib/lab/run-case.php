<?php
/*
 * One library call for the lab tests, run inside the sd-client namespace:
 *   php run-case.php ENGINE OP JSON_ARGS
 * prints the result's toArray() (a list of them for diagnoseMany) as JSON,
 * or {"exception": class, "message": text}.
 */
declare(strict_types=1);

require __DIR__ . '/../../../php-bindings/lib/autoload.php';

[, $engine, $op, $json] = $argv;
$args = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
$d = new SmtpDiag\Diagnostics(SmtpDiag\Engine::from($engine));
try {
    $r = $d->{$op}(...$args);
    $out = is_array($r) ? array_map(static fn ($x) => $x->toArray(), $r) : $r->toArray();
} catch (Throwable $e) {
    $out = ['exception' => get_class($e), 'message' => $e->getMessage()];
}
echo json_encode($out, JSON_PRESERVE_ZERO_FRACTION | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
