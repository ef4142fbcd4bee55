// Browser tests of Tools > SMTP Diagnostics and Site Health, in Debian's
// Chromium driven by playwright-core, inside the lab's sd-client namespace
// (run by tests/wp/run.sh, with port 465 dropped for WordPress's user).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const URL = process.env.WP_TESTS_URL;
const PASS = process.env.WP_TESTS_ADMIN_PASS;
const OUT = process.env.WP_TESTS_OUT;
const EVIL_PORT = Number( process.env.EVIL_PORT || 2525 );

let browser;
let context;
let page;
const pageErrors = [];
const dialogs = [];

function labConfig( json ) {
	execSync( `${ process.env.LAB_CONFIG } smtp '${ JSON.stringify( json ) }'`, { stdio: 'pipe', env: process.env } );
}

async function shot( name ) {
	await page.screenshot( { path: join( OUT, 'screenshots', name + '.png' ), fullPage: true } );
}

async function openTools() {
	await page.goto( URL + '/wp-admin/tools.php?page=smtpdiag' );
	await page.waitForSelector( 'body[data-smtpdiag-ready="1"]' );
}

async function runChecks() {
	await page.click( '#smtpdiag-run' );
	// The progress bar shows while the checks run.
	await page.waitForSelector( '#smtpdiag-progress:not([hidden])' );
	await page.waitForFunction( () => ! document.getElementById( 'smtpdiag-run' ).disabled, null, { timeout: 40000 } );
}

// wp-login.php moves the focus to #user_login and selects it 200 ms after its
// script runs. Playwright's fill() focuses a field and then inserts the text
// into whatever has the focus, so a fill of #user_pass that straddles that
// timer types the password into #user_login (seen on a slow CI machine, and
// reproduced here by starting the fills 0-200 ms after the page's load). So
// the fields are filled once WordPress's own focus has landed, checked
// before the form is sent, and a refused login says what the page said.
async function logIn( user, pass ) {
	for ( let attempt = 1; attempt <= 2; attempt++ ) {
		await page.goto( URL + '/wp-login.php' );
		await page.waitForFunction( () => document.activeElement?.id === 'user_login', null, { timeout: 5000 } )
			.catch( () => {} ); // A login page with an error does not autofocus; nothing to wait for then.
		await page.fill( '#user_login', user );
		await page.fill( '#user_pass', pass );
		const typed = [ await page.inputValue( '#user_login' ), await page.inputValue( '#user_pass' ) ];
		if ( typed[ 0 ] !== user || typed[ 1 ] !== pass ) {
			console.error( `login attempt ${ attempt }: the fields did not keep what was typed; typing again` );
			continue;
		}
		await Promise.all( [ page.waitForNavigation(), page.click( '#wp-submit' ) ] );
		if ( /\/wp-admin\//.test( page.url() ) ) {
			return;
		}
		const said = await page.locator( '#login_error' ).innerText().catch( () => '(no #login_error on the page)' );
		console.error( `login attempt ${ attempt }: still on ${ page.url() }: ${ said.trim() }` );
		await shot( `login-refused-${ attempt }` );
	}
	assert.match( page.url(), /\/wp-admin\//, 'logged in (what the login page said is printed above)' );
}

before( async () => {
	browser = await chromium.launch( {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: [ '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--disable-dev-shm-usage' ],
	} );
	context = await browser.newContext( { viewport: { width: 1280, height: 900 } } );
	page = await context.newPage();
	page.on( 'pageerror', ( e ) => pageErrors.push( String( e ) ) );
	page.on( 'dialog', async ( d ) => {
		dialogs.push( d.message() );
		await d.dismiss();
	} );
	await logIn( 'admin', PASS );
} );

after( async () => {
	await browser?.close();
} );

test( 'port 465 dropped: the root cause, its fix and the port matrix', async () => {
	labConfig( { host: 'mail.lab.test', port: 465, secure: 'ssl', auth: true, username: 'user@lab.test', password: 'labpass', from: 'user@mail.lab.test' } );
	await openTools();
	await runChecks();
	const root = page.locator( '.smtpdiag-finding.smtpdiag-root' );
	assert.equal( await root.getAttribute( 'data-code' ), 'port_blocked_local' );
	assert.match( await root.locator( '.smtpdiag-fix' ).innerText(), /port 465/ );
	// The root cause is the first thing in the health panel.
	const first = await page.locator( '#smtpdiag-health .smtpdiag-finding' ).first().getAttribute( 'data-code' );
	assert.equal( first, 'port_blocked_local' );
	assert.equal( await page.locator( '#smtpdiag-state' ).innerText(), 'Mail is failing.' );

	const cells465 = page.locator( '#smtpdiag-matrix-table tr[data-port="465"] td' );
	assert.equal( await cells465.count(), 2, 'one cell per address (IPv4, IPv6)' );
	for ( let i = 0; i < 2; i++ ) {
		assert.equal( await cells465.nth( i ).getAttribute( 'data-state' ), 'blocked_local' );
		assert.match( await cells465.nth( i ).innerText(), /dropped at hop 0: this server/ );
	}
	const cell587 = page.locator( '#smtpdiag-matrix-table tr[data-port="587"] td' ).first();
	assert.equal( await cell587.getAttribute( 'data-state' ), 'open' );
	const colour465 = await cells465.first().evaluate( ( n ) => getComputedStyle( n ).backgroundColor );
	const colour587 = await cell587.evaluate( ( n ) => getComputedStyle( n ).backgroundColor );
	assert.notEqual( colour465, colour587, 'states are coloured differently' );

	assert.ok( await page.locator( '.smtpdiag-wf-row' ).count() >= 8, 'a timeline row per probe' );
	assert.ok( await page.locator( '.smtpdiag-bar-failed' ).count() >= 2, 'the dropped connects are marked' );
	assert.match( await page.locator( '#smtpdiag-settings' ).innerText(), /set \(never shown\)/ );
	assert.doesNotMatch( await page.content(), /labpass/ );
	await shot( '01-port-465-dropped' );
} );

test( 'the page does not wait for the black-holed port', async () => {
	const started = Date.now();
	await openTools();
	// The last stored result renders from GET /status, no probe involved.
	await page.waitForSelector( '.smtpdiag-finding.smtpdiag-root' );
	assert.ok( Date.now() - started < 5000, `rendered in ${ Date.now() - started } ms` );
	// And a running check shows progress while the button is busy.
	await page.click( '#smtpdiag-run' );
	await page.waitForSelector( '#smtpdiag-progress:not([hidden])' );
	assert.equal( await page.locator( '#smtpdiag-run' ).isDisabled(), true );
	assert.match( await page.locator( '#smtpdiag-progress-text' ).innerText(), /s elapsed, at most \d+ s/ );
	await shot( '02-progress' );
	await page.waitForFunction( () => ! document.getElementById( 'smtpdiag-run' ).disabled, null, { timeout: 40000 } );
} );

test( 'test send through wp_mail fails with the diagnosis; directly on 587 it is sent', async () => {
	await openTools();
	await page.fill( '#smtpdiag-test-to', 'alice@lab.test' );
	await page.click( '#smtpdiag-test-submit' );
	await page.waitForSelector( '#smtpdiag-test-outcome', { timeout: 40000 } );
	assert.match( await page.locator( '#smtpdiag-test-outcome' ).innerText(), /Not sent/ );
	assert.equal( await page.locator( '#smtpdiag-test-result .smtpdiag-root' ).getAttribute( 'data-code' ), 'port_blocked_local' );
	await shot( '03-test-send-wp-mail-failed' );

	await page.check( 'input[name="mode"][value="direct"]' );
	await page.fill( '#smtpdiag-test-host', 'mail.lab.test' );
	await page.fill( '#smtpdiag-test-port', '587' );
	await page.selectOption( '#smtpdiag-test-encryption', 'starttls' );
	await page.fill( '#smtpdiag-test-username', 'user@lab.test' );
	await page.fill( '#smtpdiag-test-password', 'labpass' );
	await page.fill( '#smtpdiag-test-from', 'user@lab.test' );
	await page.click( '#smtpdiag-test-submit' );
	await page.waitForFunction( () => /Sent|Not sent/.test( document.getElementById( 'smtpdiag-test-outcome' )?.textContent || '' ) && ! document.getElementById( 'smtpdiag-test-submit' ).disabled, null, { timeout: 40000 } );
	assert.match( await page.locator( '#smtpdiag-test-outcome' ).innerText(), /^Sent/ );
	const transcript = await page.locator( '#smtpdiag-transcript' ).innerText();
	assert.match( transcript, /STARTTLS/ );
	assert.match( transcript, /AUTH/ );
	assert.doesNotMatch( transcript, /labpass/ );
	assert.equal( await page.locator( '#smtpdiag-test-password' ).inputValue(), '', 'the password field is cleared' );
	await shot( '04-test-send-direct-ok' );

	// The failure log shows the wp_mail failure with its domain only.
	const log = await page.locator( '#smtpdiag-log-table' ).innerText();
	assert.match( log, /lab\.test/ );
	assert.doesNotMatch( log, /alice@/ );
} );

test( 'a greeting with <script> and an onerror image is shown as text, and nothing runs', async () => {
	labConfig( { host: '127.0.0.1', port: EVIL_PORT, secure: '', autotls: false, auth: false, from: 'user@mail.lab.test' } );
	await openTools();
	await runChecks();
	const banner = page.locator( '.smtpdiag-banner', { hasText: 'evil.lab.test' } ).first();
	const text = await banner.innerText();
	assert.match( text, /<script>window\.__smtpdiagXss=1<\/script>/ );
	assert.match( text, /"><img src=x onerror="window\.__smtpdiagXss=2">/ );

	await page.check( 'input[name="mode"][value="direct"]' );
	await page.fill( '#smtpdiag-test-host', '127.0.0.1' );
	await page.fill( '#smtpdiag-test-port', String( EVIL_PORT ) );
	await page.selectOption( '#smtpdiag-test-encryption', 'none' );
	await page.uncheck( 'input[name="auth"]' );
	await page.fill( '#smtpdiag-test-to', 'alice@lab.test' );
	await page.fill( '#smtpdiag-test-from', 'user@lab.test' );
	await page.click( '#smtpdiag-test-submit' );
	await page.waitForSelector( '#smtpdiag-transcript', { timeout: 40000 } );
	assert.match( await page.locator( '#smtpdiag-transcript' ).innerText(), /<script>window\.__smtpdiagXss=1<\/script>/ );

	// Give an injected handler every chance to fire.
	await page.waitForTimeout( 500 );
	assert.equal( await page.evaluate( () => window.__smtpdiagXss ), undefined, 'no injected script ran' );
	assert.equal( await page.locator( '#smtpdiag-app script' ).count(), 0 );
	assert.equal( await page.locator( '#smtpdiag-app img' ).count(), 0, 'no element was created from the payload' );
	assert.equal( await page.locator( '#smtpdiag-app [onerror], #smtpdiag-app [onmouseover]' ).count(), 0 );
	assert.deepEqual( dialogs, [] );
	await shot( '05-hostile-greeting-as-text' );
} );

test( 'Site Health shows the async mail tests and the debug section', async () => {
	labConfig( { host: 'mail.lab.test', port: 465, secure: 'ssl', auth: true, username: 'user@lab.test', password: 'labpass', from: 'user@mail.lab.test' } );
	await page.goto( URL + '/wp-admin/site-health.php' );
	// Async tests run one after the other (core's own first); ours include the diagnosis.
	try {
		await page.waitForSelector( '#health-check-site-status-critical button[aria-controls="health-check-accordion-block-smtpdiag_diagnose"]', { timeout: 120000 } );
	} catch ( e ) {
		await shot( '06-site-health-timeout' );
		throw e;
	}
	const label = await page.locator( 'button[aria-controls="health-check-accordion-block-smtpdiag_diagnose"]' ).innerText();
	assert.match( label, /Outgoing mail fails/ );
	await page.click( 'button[aria-controls="health-check-accordion-block-smtpdiag_diagnose"]' );
	const body = await page.locator( '#health-check-accordion-block-smtpdiag_diagnose' ).innerText();
	assert.match( body, /Fix:/ );
	assert.match( body, /port 465/i );
	await shot( '06-site-health' );

	await page.goto( URL + '/wp-admin/site-health.php?tab=debug' );
	await page.click( 'button[aria-controls="health-check-accordion-block-smtpdiag"]' );
	const debug = await page.locator( '#health-check-accordion-block-smtpdiag' ).innerText();
	assert.match( debug, /Engine\s+native extension/ );
	assert.match( debug, /SMTP password\s+set \(not shown\)/ );
	assert.doesNotMatch( debug, /labpass/ );
	await shot( '07-site-health-debug' );
} );

test( 'the dashboard widget and the notice show the regression', async () => {
	labConfig( { host: 'mail.lab.test', port: 465, secure: 'ssl', auth: true, username: 'user@lab.test', password: 'labpass', from: 'user@mail.lab.test' } );
	await openTools();
	await runChecks();
	await page.goto( URL + '/wp-admin/index.php' );
	const widget = await page.locator( '#smtpdiag_dashboard' ).innerText();
	assert.match( widget, /Mail is failing/ );
	assert.match( await page.locator( '.smtpdiag-alert' ).innerText(), /Mail from this site is failing/ );
	await shot( '08-dashboard' );
	assert.deepEqual( pageErrors, [], 'no JavaScript errors' );
} );
