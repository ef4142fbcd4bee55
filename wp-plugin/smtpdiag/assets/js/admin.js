/**
 * Tools > SMTP Diagnostics: runs the checks over REST and renders the results.
 *
 * Every value from the server (a greeting, a certificate subject, a DNS
 * record: all of it controlled by whoever runs the peer) is inserted with
 * textContent or as an attribute value set through the DOM, never as HTML.
 */
( function () {
	'use strict';

	var i18n = window.wp.i18n;
	var __ = i18n.__;
	var sprintf = i18n.sprintf;
	var apiFetch = window.wp.apiFetch;
	var config = window.smtpdiagConfig || { namespace: 'smtpdiag/v1', timeout: 10 };
	var ns = '/' + config.namespace;

	/**
	 * Builds an element. attrs: class, text, title, hidden, and any other
	 * attribute through setAttribute (never an on* handler).
	 */
	function el( tag, attrs, children ) {
		var node = document.createElement( tag );
		attrs = attrs || {};
		Object.keys( attrs ).forEach( function ( key ) {
			var value = attrs[ key ];
			if ( null === value || undefined === value || false === value ) {
				return;
			}
			if ( 'class' === key ) {
				node.className = value;
			} else if ( 'text' === key ) {
				node.textContent = String( value );
			} else if ( /^on/i.test( key ) ) {
				throw new Error( 'smtpdiag: event attributes are not allowed' );
			} else {
				node.setAttribute( key, true === value ? '' : String( value ) );
			}
		} );
		( children || [] ).forEach( function ( child ) {
			if ( null === child || undefined === child || false === child ) {
				return;
			}
			node.appendChild( 'object' === typeof child ? child : document.createTextNode( String( child ) ) );
		} );
		return node;
	}

	function clear( node ) {
		while ( node.firstChild ) {
			node.removeChild( node.firstChild );
		}
		return node;
	}

	function $( id ) {
		return document.getElementById( id );
	}

	function ms( value ) {
		if ( null === value || undefined === value || '' === value ) {
			return '';
		}
		return sprintf( __( '%s ms', 'smtpdiag' ), Number( value ).toFixed( Number( value ) < 10 ? 1 : 0 ) );
	}

	function when( unix ) {
		if ( ! unix ) {
			return '';
		}
		return new Date( unix * 1000 ).toLocaleString( config.locale || undefined );
	}

	function severityLabel( severity ) {
		var labels = {
			critical: __( 'Critical', 'smtpdiag' ),
			warning: __( 'Warning', 'smtpdiag' ),
			info: __( 'Info', 'smtpdiag' ),
			ok: __( 'OK', 'smtpdiag' ),
		};
		return labels[ severity ] || String( severity );
	}

	function badge( severity ) {
		return el( 'span', { class: 'smtpdiag-badge smtpdiag-sev-' + safeClass( severity ), text: severityLabel( severity ) } );
	}

	function safeClass( value ) {
		return String( value || '' ).replace( /[^a-z0-9_-]/gi, '' );
	}

	function errorBox( message ) {
		return el( 'div', { class: 'notice notice-error inline' }, [ el( 'p', { text: message } ) ] );
	}

	function evidenceList( evidence ) {
		if ( ! evidence || 'object' !== typeof evidence || ! Object.keys( evidence ).length ) {
			return null;
		}
		var dl = el( 'dl', { class: 'smtpdiag-evidence' } );
		Object.keys( evidence ).forEach( function ( key ) {
			var value = evidence[ key ];
			dl.appendChild( el( 'dt', { text: key } ) );
			dl.appendChild( el( 'dd', { text: 'object' === typeof value && null !== value ? JSON.stringify( value ) : String( value ) } ) );
		} );
		return el( 'details', {}, [ el( 'summary', { text: __( 'Evidence', 'smtpdiag' ) } ), dl ] );
	}

	function findingCard( finding, isRoot ) {
		return el( 'div', { class: 'smtpdiag-finding smtpdiag-sev-' + safeClass( finding.severity ) + ( isRoot ? ' smtpdiag-root' : '' ), 'data-code': finding.code }, [
			el( 'div', { class: 'smtpdiag-finding-head' }, [
				badge( finding.severity ),
				isRoot ? el( 'span', { class: 'smtpdiag-root-label', text: __( 'Root cause', 'smtpdiag' ) } ) : null,
				el( isRoot ? 'h3' : 'h4', { class: 'smtpdiag-finding-title', text: finding.title } ),
				el( 'code', { class: 'smtpdiag-code', text: finding.code } ),
			] ),
			finding.detail ? el( 'p', { class: 'smtpdiag-detail', text: finding.detail } ) : null,
			finding.fix ? el( 'p', { class: 'smtpdiag-fix' }, [ el( 'strong', { text: __( 'Fix:', 'smtpdiag' ) + ' ' } ), finding.fix ] ) : null,
			evidenceList( finding.evidence ),
		] );
	}

	/* ---------------------------------------------------------------- health */

	function renderHealth( status ) {
		var box = clear( $( 'smtpdiag-health' ) );
		var record = status && status.record;
		$( 'smtpdiag-taken' ).textContent = record ? sprintf( __( 'Last checked %1$s (%2$s).', 'smtpdiag' ), when( record.taken_at ), record.trigger ) : '';
		if ( ! record ) {
			box.appendChild( el( 'p', { class: 'smtpdiag-empty', text: __( 'Not checked yet. Run the checks to see how this site sends mail.', 'smtpdiag' ) } ) );
			return;
		}
		if ( record.error && 'not_smtp' !== record.error ) {
			box.appendChild( errorBox( record.message ) );
			return;
		}
		var stateText = {
			ok: __( 'Mail works.', 'smtpdiag' ),
			warning: __( 'Mail works, with warnings.', 'smtpdiag' ),
			critical: __( 'Mail is failing.', 'smtpdiag' ),
			unknown: __( 'No verdict: see below.', 'smtpdiag' ),
		};
		box.appendChild( el( 'p', { class: 'smtpdiag-state smtpdiag-state-' + safeClass( status.state ), id: 'smtpdiag-state', text: stateText[ status.state ] || status.state } ) );
		if ( record.message ) {
			box.appendChild( el( 'div', { class: 'notice notice-warning inline' }, [ el( 'p', { text: record.message } ) ] ) );
		}
		if ( record.limited && record.limited.length ) {
			box.appendChild( el( 'div', { class: 'notice notice-warning inline' }, [ el( 'p', { text: sprintf( __( 'Limited mode: this result cannot see %s.', 'smtpdiag' ), record.limited.join( ', ' ) ) } ) ] ) );
		}
		var findings = ( record.result && record.result.findings ) || [];
		var root = status.root_cause;
		if ( root ) {
			box.appendChild( findingCard( root, true ) );
		}
		var rest = findings.filter( function ( f ) {
			return ! root || f.code !== root.code;
		} );
		if ( rest.length ) {
			var list = el( 'div', { class: 'smtpdiag-findings' } );
			rest.forEach( function ( f ) {
				list.appendChild( findingCard( f, false ) );
			} );
			box.appendChild( el( 'h3', { text: root ? __( 'Also found', 'smtpdiag' ) : __( 'Findings', 'smtpdiag' ) } ) );
			box.appendChild( list );
		}
	}

	/* -------------------------------------------------------------- settings */

	function encryptionLabel( value ) {
		var labels = {
			tls: __( 'SSL/TLS (implicit, as on port 465)', 'smtpdiag' ),
			starttls: __( 'STARTTLS', 'smtpdiag' ),
			none: __( 'none', 'smtpdiag' ),
		};
		return labels[ value ] || String( value );
	}

	function renderSettings( data ) {
		var box = clear( $( 'smtpdiag-settings' ) );
		var s = data.settings;
		var rows = [
			[ __( 'Read from', 'smtpdiag' ), s.source_label + ' (' + s.source + ')' ],
			[ __( 'Mailer', 'smtpdiag' ), s.mailer ],
			[ __( 'Host', 'smtpdiag' ), s.host ],
			[ __( 'Port', 'smtpdiag' ), s.port ? String( s.port ) : '' ],
			[ __( 'Encryption', 'smtpdiag' ), encryptionLabel( s.encryption ) + ( s.auto_tls && 'none' === s.encryption ? ' (' + __( 'STARTTLS when offered', 'smtpdiag' ) + ')' : '' ) ],
			[ __( 'Authentication', 'smtpdiag' ), s.auth ? __( 'yes', 'smtpdiag' ) : __( 'no', 'smtpdiag' ) ],
			[ __( 'Username', 'smtpdiag' ), s.username ],
			[ __( 'Password', 'smtpdiag' ), s.password_set ? __( 'set (never shown)', 'smtpdiag' ) : __( 'not set', 'smtpdiag' ) ],
			[ __( 'From', 'smtpdiag' ), s.from + ( s.from_name ? ' (' + s.from_name + ')' : '' ) ],
			[ __( 'Certificate verification', 'smtpdiag' ), s.verify_peer ? __( 'on', 'smtpdiag' ) : __( 'off', 'smtpdiag' ) ],
		];
		if ( s.mail_overridden ) {
			rows.push( [ __( 'wp_mail() replaced by', 'smtpdiag' ), s.mail_overridden.by + ( s.mail_overridden.file ? ' (' + s.mail_overridden.file + ')' : '' ) ] );
		}
		if ( data.security_plugins && data.security_plugins.length ) {
			rows.push( [ __( 'Security plugins', 'smtpdiag' ), data.security_plugins.map( function ( p ) {
				return p.name;
			} ).join( ', ' ) ] );
		}
		if ( data.http_block && data.http_block.blocked ) {
			rows.push( [ 'WP_HTTP_BLOCK_EXTERNAL', __( 'on', 'smtpdiag' ) + ( data.http_block.accessible_hosts ? ' (' + data.http_block.accessible_hosts + ')' : '' ) ] );
		}
		var table = el( 'table', { class: 'widefat striped smtpdiag-kv' } );
		var body = el( 'tbody' );
		rows.forEach( function ( row ) {
			body.appendChild( el( 'tr', {}, [ el( 'th', { scope: 'row', text: row[ 0 ] } ), el( 'td', { text: row[ 1 ] } ) ] ) );
		} );
		table.appendChild( body );
		box.appendChild( table );
		if ( s.note ) {
			box.appendChild( el( 'p', { class: 'description', text: s.note } ) );
		}
	}

	/* ---------------------------------------------------------------- matrix */

	var stateLabels = {
		open: __( 'open', 'smtpdiag' ),
		refused: __( 'refused', 'smtpdiag' ),
		filtered: __( 'filtered (no answer)', 'smtpdiag' ),
		blocked_local: __( 'blocked on this server', 'smtpdiag' ),
		blocked_upstream: __( 'blocked upstream', 'smtpdiag' ),
		unreachable: __( 'unreachable', 'smtpdiag' ),
		error: __( 'error', 'smtpdiag' ),
	};

	function hopText( at ) {
		if ( ! at ) {
			return '';
		}
		if ( at.local || 0 === at.hop ) {
			return __( 'dropped at hop 0: this server', 'smtpdiag' );
		}
		return sprintf( __( 'dropped at hop %1$d (%2$s)', 'smtpdiag' ), at.hop, at.address || '?' );
	}

	function probeOf( record ) {
		return record && record.result && record.result.probe ? record.result.probe : null;
	}

	function renderMatrix( record ) {
		var box = clear( $( 'smtpdiag-matrix' ) );
		var probe = probeOf( record );
		if ( ! probe || ! probe.ports || ! probe.ports.length ) {
			box.appendChild( el( 'p', { class: 'smtpdiag-empty', text: __( 'No port probe in this result.', 'smtpdiag' ) } ) );
			return;
		}
		var addresses = ( probe.addresses || [] ).map( function ( a ) {
			return a.address;
		} );
		var ports = [];
		probe.ports.forEach( function ( row ) {
			if ( -1 === addresses.indexOf( row.address ) ) {
				addresses.push( row.address );
			}
			if ( -1 === ports.indexOf( row.port ) ) {
				ports.push( row.port );
			}
		} );
		ports.sort( function ( a, b ) {
			return a - b;
		} );
		var configured = record.settings && record.settings.port;
		var head = el( 'tr', {}, [ el( 'th', { scope: 'col', text: __( 'Port', 'smtpdiag' ) } ) ] );
		addresses.forEach( function ( a ) {
			head.appendChild( el( 'th', { scope: 'col', text: a } ) );
		} );
		var body = el( 'tbody' );
		ports.forEach( function ( port ) {
			var tr = el( 'tr', { 'data-port': port }, [ el( 'th', { scope: 'row' }, [ String( port ), port === configured ? el( 'span', { class: 'smtpdiag-configured', text: ' ' + __( '(configured)', 'smtpdiag' ) } ) : null ] ) ] );
			addresses.forEach( function ( address ) {
				var row = probe.ports.filter( function ( r ) {
					return r.port === port && r.address === address;
				} )[ 0 ];
				if ( ! row ) {
					tr.appendChild( el( 'td', { class: 'smtpdiag-cell', text: '—' } ) );
					return;
				}
				var why = [ row.errno, row.icmp ? 'ICMP ' + row.icmp.type + '/' + row.icmp.code + ( row.icmp.from ? ' ' + row.icmp.from : '' ) : null ].filter( Boolean ).join( ', ' );
				tr.appendChild( el( 'td', { class: 'smtpdiag-cell smtpdiag-port-' + safeClass( row.state ), 'data-state': row.state, 'data-address': address, title: why || null }, [
					el( 'span', { class: 'smtpdiag-cell-state', text: stateLabels[ row.state ] || row.state } ),
					null !== row.connect_ms && undefined !== row.connect_ms ? el( 'span', { class: 'smtpdiag-cell-ms', text: ' ' + ms( row.connect_ms ) } ) : null,
					row.blocked_at ? el( 'span', { class: 'smtpdiag-hop', text: hopText( row.blocked_at ) } ) : null,
					why ? el( 'span', { class: 'smtpdiag-why', text: why } ) : null,
				] ) );
			} );
			body.appendChild( tr );
		} );
		var table = el( 'table', { class: 'widefat smtpdiag-matrix', id: 'smtpdiag-matrix-table' }, [ el( 'thead', {}, [ head ] ), body ] );
		box.appendChild( el( 'p', { class: 'description', text: sprintf( __( '%1$s resolved to %2$s.', 'smtpdiag' ), probe.host, addresses.join( ', ' ) || __( 'no address', 'smtpdiag' ) ) } ) );
		box.appendChild( table );

		var greetings = el( 'dl', { class: 'smtpdiag-greetings' } );
		var any = false;
		probe.ports.forEach( function ( row ) {
			if ( row.smtp && row.smtp.banner ) {
				any = true;
				greetings.appendChild( el( 'dt', { text: row.address + ' :' + row.port } ) );
				greetings.appendChild( el( 'dd', {}, [ el( 'code', { class: 'smtpdiag-banner', text: ( row.smtp.banner_code || '' ) + ' ' + row.smtp.banner } ) ] ) );
			}
		} );
		if ( any ) {
			box.appendChild( el( 'h3', { text: __( 'Server greetings', 'smtpdiag' ) } ) );
			box.appendChild( greetings );
		}
	}

	/* ------------------------------------------------------------- waterfall */

	function renderWaterfall( record ) {
		var box = clear( $( 'smtpdiag-waterfall' ) );
		var probe = probeOf( record );
		if ( ! probe || ! probe.ports ) {
			box.appendChild( el( 'p', { class: 'smtpdiag-empty', text: __( 'No timings in this result.', 'smtpdiag' ) } ) );
			return;
		}
		var dnsMs = probe.dns && probe.dns.ms ? Number( probe.dns.ms ) : 0;
		var rows = [];
		probe.ports.forEach( function ( row ) {
			var phases = [ { name: 'dns', label: __( 'DNS', 'smtpdiag' ), start: 0, len: dnsMs } ];
			var t = dnsMs;
			var connect = null !== row.connect_ms && undefined !== row.connect_ms ? Number( row.connect_ms ) : null;
			if ( null === connect && 'open' !== row.state ) {
				connect = Math.max( 0, Number( probe.elapsed_ms || 0 ) - dnsMs );
			}
			phases.push( { name: 'connect', label: __( 'connect', 'smtpdiag' ), start: t, len: connect || 0, failed: 'open' !== row.state } );
			t += connect || 0;
			var tls = row.tls;
			var implicit = tls && 'implicit' === tls.mode;
			if ( implicit && tls.handshake_ms ) {
				phases.push( { name: 'tls', label: __( 'TLS', 'smtpdiag' ), start: t, len: Number( tls.handshake_ms ), failed: ! tls.ok } );
				t += Number( tls.handshake_ms );
			}
			if ( row.smtp && row.smtp.banner_ms ) {
				phases.push( { name: 'greeting', label: __( 'greeting', 'smtpdiag' ), start: t, len: Number( row.smtp.banner_ms ) } );
				t += Number( row.smtp.banner_ms );
			}
			if ( row.smtp && row.smtp.ehlo_ms ) {
				phases.push( { name: 'ehlo', label: 'EHLO', start: t, len: Number( row.smtp.ehlo_ms ) } );
				t += Number( row.smtp.ehlo_ms );
			}
			if ( ! implicit && tls && tls.handshake_ms ) {
				phases.push( { name: 'tls', label: __( 'TLS', 'smtpdiag' ), start: t, len: Number( tls.handshake_ms ), failed: ! tls.ok } );
				t += Number( tls.handshake_ms );
			}
			rows.push( { label: row.address + ' :' + row.port, state: row.state, phases: phases, end: t } );
		} );
		var auth = record.result && record.result.auth;
		if ( auth && auth.timings && 'object' === typeof auth.timings ) {
			var phases = [];
			var t = 0;
			Object.keys( auth.timings ).forEach( function ( key ) {
				var len = Number( auth.timings[ key ] ) || 0;
				phases.push( { name: safeClass( key ), label: 'auth' === key ? 'AUTH' : key, start: t, len: len, failed: 'auth' === key && false === auth.ok } );
				t += len;
			} );
			rows.push( { label: sprintf( __( 'login (port %s)', 'smtpdiag' ), record.settings ? record.settings.port : '' ), state: auth.ok ? 'open' : 'error', phases: phases, end: t } );
		}
		var max = rows.reduce( function ( m, r ) {
			return Math.max( m, r.end );
		}, 1 );
		var list = el( 'div', { class: 'smtpdiag-waterfall', role: 'list' } );
		rows.forEach( function ( r ) {
			var track = el( 'div', { class: 'smtpdiag-track' } );
			r.phases.forEach( function ( p ) {
				var bar = el( 'span', { class: 'smtpdiag-bar smtpdiag-phase-' + p.name + ( p.failed ? ' smtpdiag-bar-failed' : '' ), title: p.label + ' ' + ms( p.len ) } );
				bar.style.left = ( ( p.start / max ) * 100 ).toFixed( 2 ) + '%';
				bar.style.width = Math.max( 0.4, ( p.len / max ) * 100 ).toFixed( 2 ) + '%';
				track.appendChild( bar );
			} );
			var legend = r.phases.map( function ( p ) {
				return p.label + ' ' + ms( p.len );
			} ).join( ' · ' );
			list.appendChild( el( 'div', { class: 'smtpdiag-wf-row', role: 'listitem' }, [
				el( 'span', { class: 'smtpdiag-wf-label', text: r.label } ),
				track,
				el( 'span', { class: 'smtpdiag-wf-legend', text: legend } ),
			] ) );
		} );
		box.appendChild( list );
		box.appendChild( el( 'p', { class: 'description', text: sprintf( __( 'All probes ran at the same time; the scale is %s.', 'smtpdiag' ), ms( max ) ) } ) );
	}

	/* ----------------------------------------------------------- certificate */

	function certificateOf( record ) {
		var result = record && record.result;
		if ( ! result ) {
			return null;
		}
		if ( result.certificate && result.certificate.certificate ) {
			return result.certificate;
		}
		var probe = result.probe;
		var port = record.settings && record.settings.port;
		if ( probe && probe.ports ) {
			var withCert = probe.ports.filter( function ( r ) {
				return r.tls && r.tls.certificate;
			} );
			// The configured port's, else the one another port of the same server showed.
			var rows = withCert.filter( function ( r ) {
				return r.port === port;
			} );
			rows = rows.length ? rows : withCert;
			if ( rows.length ) {
				return { ok: rows[ 0 ].tls.verified, errors: rows[ 0 ].tls.verify_error ? [ rows[ 0 ].tls.verify_error ] : [], protocol: rows[ 0 ].tls.protocol, cipher: rows[ 0 ].tls.cipher, certificate: rows[ 0 ].tls.certificate, chain: [], seenOn: rows[ 0 ].port !== port ? rows[ 0 ].address + ' :' + rows[ 0 ].port : null };
			}
		}
		return null;
	}

	function renderCertificate( record ) {
		var box = clear( $( 'smtpdiag-certificate' ) );
		var cert = certificateOf( record );
		if ( ! cert ) {
			box.appendChild( el( 'p', { class: 'smtpdiag-empty', text: __( 'No certificate in this result (no TLS on the configured port, or it could not be reached).', 'smtpdiag' ) } ) );
			return;
		}
		var leaf = cert.certificate;
		var days = Number( leaf.days_left );
		if ( cert.seenOn ) {
			box.appendChild( el( 'p', { class: 'description', text: sprintf( __( 'The configured port could not be reached; this is the certificate the same server shows on %s.', 'smtpdiag' ), cert.seenOn ) } ) );
		}
		var cls = days < 0 ? 'critical' : ( days < 14 ? 'warning' : 'ok' );
		box.appendChild( el( 'p', { class: 'smtpdiag-days smtpdiag-sev-' + cls, id: 'smtpdiag-days-left', text: days < 0 ? sprintf( __( 'Expired %d days ago', 'smtpdiag' ), -days ) : sprintf( __( '%d days left', 'smtpdiag' ), days ) } ) );
		var rows = [
			[ __( 'Subject', 'smtpdiag' ), leaf.subject ],
			[ __( 'Issuer', 'smtpdiag' ), leaf.issuer ],
			[ __( 'Names', 'smtpdiag' ), ( leaf.san || [] ).join( ', ' ) ],
			[ __( 'Valid', 'smtpdiag' ), leaf.not_before + ' – ' + leaf.not_after ],
			[ __( 'Key', 'smtpdiag' ), leaf.key ? leaf.key.type + ' ' + leaf.key.bits : '' ],
			[ __( 'Signature', 'smtpdiag' ), leaf.signature_algorithm ],
			[ __( 'Protocol', 'smtpdiag' ), ( cert.protocol || '' ) + ' ' + ( cert.cipher || '' ) ],
			[ __( 'Verified', 'smtpdiag' ), cert.ok ? __( 'yes', 'smtpdiag' ) : sprintf( __( 'no: %s', 'smtpdiag' ), ( cert.errors || [] ).join( ', ' ) ) ],
			[ 'SHA-256', leaf.fingerprint_sha256 ],
		];
		var body = el( 'tbody' );
		rows.forEach( function ( row ) {
			body.appendChild( el( 'tr', {}, [ el( 'th', { scope: 'row', text: row[ 0 ] } ), el( 'td', { text: row[ 1 ] } ) ] ) );
		} );
		box.appendChild( el( 'table', { class: 'widefat striped smtpdiag-kv' }, [ body ] ) );
		if ( cert.chain && cert.chain.length > 1 ) {
			var ol = el( 'ol', { class: 'smtpdiag-chain' } );
			cert.chain.forEach( function ( c ) {
				ol.appendChild( el( 'li', { text: c.subject + ' ← ' + c.issuer + ' (' + c.not_after + ')' } ) );
			} );
			box.appendChild( el( 'h3', { text: __( 'Chain sent by the server', 'smtpdiag' ) } ) );
			box.appendChild( ol );
		}
	}

	/* ---------------------------------------------------------------- domain */

	function renderDomain( record ) {
		var box = clear( $( 'smtpdiag-domain' ) );
		var d = record && record.result && record.result.domain;
		if ( ! d ) {
			box.appendChild( el( 'p', { class: 'smtpdiag-empty', text: __( 'No domain records in this result.', 'smtpdiag' ) } ) );
			return;
		}
		var mx = ( ( d.mx && d.mx.records ) || [] ).map( function ( r ) {
			return r.preference + ' ' + r.host;
		} ).join( ', ' );
		var dkim = ( d.dkim || [] ).map( function ( k ) {
			return k.selector + ( k.found ? ' (' + ( k.key_bits || '?' ) + ' bits)' : ' ' + __( '(not found)', 'smtpdiag' ) );
		} ).join( ', ' );
		var none = __( '(none)', 'smtpdiag' );
		var rows = [
			[ 'MX', mx || none ],
			[ 'SPF', ( d.spf && d.spf.record ) || none, d.spf ? sprintf( __( 'result: %1$s, %2$d lookups', 'smtpdiag' ), d.spf.result, d.spf.lookups || 0 ) : '' ],
			[ 'DMARC', ( d.dmarc && d.dmarc.record ) || none, d.dmarc && d.dmarc.record ? sprintf( __( 'policy %1$s, aligned: %2$s', 'smtpdiag' ), d.dmarc.policy, d.dmarc.aligned ? __( 'yes', 'smtpdiag' ) : __( 'no', 'smtpdiag' ) ) : '' ],
			[ 'DKIM', dkim || none ],
			[ 'MTA-STS', ( d.mta_sts && d.mta_sts.record ) || none, d.mta_sts && d.mta_sts.mode ? d.mta_sts.mode : '' ],
			[ 'TLS-RPT', ( d.tls_rpt && d.tls_rpt.record ) || none ],
			[ 'PTR', d.ptr && d.ptr.ip ? d.ptr.ip + ' → ' + ( ( d.ptr.names || [] ).join( ', ' ) || none ) : none, d.ptr && d.ptr.status ? d.ptr.status : '' ],
		];
		var body = el( 'tbody' );
		rows.forEach( function ( row ) {
			body.appendChild( el( 'tr', {}, [ el( 'th', { scope: 'row', text: row[ 0 ] } ), el( 'td', {}, [ el( 'code', { text: row[ 1 ] } ) ] ), el( 'td', { text: row[ 2 ] || '' } ) ] ) );
		} );
		box.appendChild( el( 'p', { class: 'description', text: d.domain } ) );
		box.appendChild( el( 'table', { class: 'widefat striped smtpdiag-kv', id: 'smtpdiag-domain-table' }, [ body ] ) );
	}

	/* ------------------------------------------------------------------ log */

	function renderLog( data ) {
		var box = clear( $( 'smtpdiag-log' ) );
		if ( data.latest ) {
			box.appendChild( el( 'p', { class: 'description', text: data.latest.root_cause ? sprintf( __( 'Latest diagnosis (%1$s): %2$s — %3$s', 'smtpdiag' ), when( data.latest.taken_at ), data.latest.root_cause, data.latest.title ) : sprintf( __( 'Latest diagnosis (%1$s): no root cause found (%2$s).', 'smtpdiag' ), when( data.latest.taken_at ), data.latest.state ) } ) );
		}
		if ( ! data.entries || ! data.entries.length ) {
			box.appendChild( el( 'p', { class: 'smtpdiag-empty', text: __( 'No wp_mail() failure recorded.', 'smtpdiag' ) } ) );
			return;
		}
		var head = el( 'tr', {}, [ __( 'Time', 'smtpdiag' ), __( 'Error', 'smtpdiag' ), __( 'Recipient domains', 'smtpdiag' ), __( 'Diagnosis then', 'smtpdiag' ) ].map( function ( t ) {
			return el( 'th', { scope: 'col', text: t } );
		} ) );
		var body = el( 'tbody' );
		data.entries.forEach( function ( e ) {
			var diag = e.diagnosis ? ( e.diagnosis.root_cause ? e.diagnosis.root_cause + ': ' + e.diagnosis.title : e.diagnosis.state ) + ' (' + when( e.diagnosis.taken_at ) + ')' : __( 'none yet', 'smtpdiag' );
			body.appendChild( el( 'tr', {}, [
				el( 'td', { text: when( e.time ) + ( e.test ? ' ' + __( '(test)', 'smtpdiag' ) : '' ) } ),
				el( 'td', { text: e.error } ),
				el( 'td', { text: ( e.recipient_domains || [] ).join( ', ' ) } ),
				el( 'td', { text: diag } ),
			] ) );
		} );
		box.appendChild( el( 'table', { class: 'widefat striped', id: 'smtpdiag-log-table' }, [ el( 'thead', {}, [ head ] ), body ] ) );
	}

	/* ------------------------------------------------------------- progress */

	var timer = null;

	function startProgress( label, deadline ) {
		var wrap = $( 'smtpdiag-progress' );
		var bar = $( 'smtpdiag-progress-bar' );
		var text = $( 'smtpdiag-progress-text' );
		var started = Date.now();
		wrap.hidden = false;
		bar.value = 0;
		stopProgress();
		function tick() {
			var elapsed = ( Date.now() - started ) / 1000;
			bar.value = Math.min( 99, ( elapsed / deadline ) * 100 );
			text.textContent = sprintf( __( '%1$s %2$s s elapsed, at most %3$s s.', 'smtpdiag' ), label, elapsed.toFixed( 1 ), String( deadline ) );
		}
		tick();
		timer = window.setInterval( tick, 200 );
	}

	function stopProgress( finalText ) {
		if ( timer ) {
			window.clearInterval( timer );
			timer = null;
		}
		if ( finalText ) {
			$( 'smtpdiag-progress-bar' ).value = 100;
			$( 'smtpdiag-progress-text' ).textContent = finalText;
		}
	}

	/* ------------------------------------------------------------------ run */

	function renderAll( status ) {
		renderHealth( status );
		var record = status && status.record;
		renderMatrix( record );
		renderWaterfall( record );
		renderCertificate( record );
		renderDomain( record );
	}

	function failText( err ) {
		return ( err && err.message ) ? err.message : __( 'The request failed.', 'smtpdiag' );
	}

	function runChecks() {
		var button = $( 'smtpdiag-run' );
		button.disabled = true;
		// The server stops every check at its deadline; allow for PHP and the network on top.
		var deadline = Math.ceil( Number( config.timeout || 10 ) * 1.5 + 2 );
		startProgress( __( 'Probing every port and address at once, TLS, login and DNS records:', 'smtpdiag' ), deadline );
		apiFetch( { path: ns + '/settings' } ).then( renderSettings ).catch( function () {} );
		return apiFetch( { path: ns + '/diagnose', method: 'POST' } ).then( function ( status ) {
			stopProgress( sprintf( __( 'Done in %s.', 'smtpdiag' ), ms( status.record ? status.record.elapsed_ms : 0 ) ) );
			renderAll( status );
			return apiFetch( { path: ns + '/log' } ).then( renderLog );
		} ).catch( function ( err ) {
			stopProgress( '' );
			clear( $( 'smtpdiag-health' ) ).appendChild( errorBox( failText( err ) ) );
		} ).then( function () {
			button.disabled = false;
		} );
	}

	/* ------------------------------------------------------------ test send */

	function renderTestResult( r ) {
		var box = clear( $( 'smtpdiag-test-result' ) );
		box.appendChild( el( 'p', { class: 'smtpdiag-state smtpdiag-state-' + ( r.ok ? 'ok' : 'critical' ), id: 'smtpdiag-test-outcome', text: r.ok ? __( 'Sent: the server accepted the message.', 'smtpdiag' ) : sprintf( __( 'Not sent: failed at stage "%s".', 'smtpdiag' ), r.stage || '?' ) } ) );
		var rows = [
			[ __( 'Via', 'smtpdiag' ), 'direct' === r.mode ? __( 'smtpdiag, directly', 'smtpdiag' ) : 'wp_mail()' ],
			[ __( 'Stage', 'smtpdiag' ), r.stage || '' ],
			[ __( 'Server reply', 'smtpdiag' ), r.reply ? ( r.reply.code || '' ) + ' ' + ( r.reply.enhanced ? r.reply.enhanced + ' ' : '' ) + ( r.reply.text || '' ) : '' ],
			[ __( 'Error', 'smtpdiag' ), r.error || '' ],
			[ __( 'Time', 'smtpdiag' ), ms( r.elapsed_ms ) ],
		];
		var body = el( 'tbody' );
		rows.forEach( function ( row ) {
			if ( row[ 1 ] ) {
				body.appendChild( el( 'tr', {}, [ el( 'th', { scope: 'row', text: row[ 0 ] } ), el( 'td', { text: row[ 1 ] } ) ] ) );
			}
		} );
		box.appendChild( el( 'table', { class: 'widefat striped smtpdiag-kv' }, [ body ] ) );
		if ( r.note ) {
			box.appendChild( el( 'p', { class: 'description', text: r.note } ) );
		}
		if ( r.diagnosis ) {
			var root = null;
			var result = r.diagnosis.result;
			if ( result && result.root_cause ) {
				root = ( result.findings || [] ).filter( function ( f ) {
					return f.code === result.root_cause;
				} )[ 0 ];
			}
			box.appendChild( el( 'h3', { text: __( 'Diagnosis', 'smtpdiag' ) } ) );
			if ( root ) {
				box.appendChild( findingCard( root, true ) );
			} else if ( r.diagnosis.message ) {
				box.appendChild( el( 'p', { text: r.diagnosis.message } ) );
			} else if ( result && result.findings && result.findings.length ) {
				box.appendChild( findingCard( result.findings[ 0 ], false ) );
			}
		}
		if ( r.transcript && r.transcript.length ) {
			var tbody = el( 'tbody' );
			r.transcript.forEach( function ( line ) {
				tbody.appendChild( el( 'tr', { class: 'smtpdiag-dir-' + ( 'C' === line.dir ? 'c' : ( 'S' === line.dir ? 's' : 'x' ) ) }, [
					el( 'td', { class: 'smtpdiag-t', text: ms( line.t_ms ) } ),
					el( 'td', { class: 'smtpdiag-dir', text: 'C' === line.dir ? '→' : ( 'S' === line.dir ? '←' : '·' ) } ),
					el( 'td', {}, [ el( 'code', { text: line.text } ) ] ),
				] ) );
			} );
			box.appendChild( el( 'h3', { text: __( 'Transcript (credentials redacted)', 'smtpdiag' ) } ) );
			box.appendChild( el( 'table', { class: 'widefat smtpdiag-transcript', id: 'smtpdiag-transcript' }, [ tbody ] ) );
		}
	}

	function sendTest( event ) {
		event.preventDefault();
		var form = event.target;
		var data = new window.FormData( form );
		var mode = data.get( 'mode' );
		var body = { mode: mode, to: data.get( 'to' ) };
		if ( 'direct' === mode ) {
			body.host = data.get( 'host' );
			body.port = parseInt( data.get( 'port' ), 10 );
			body.encryption = data.get( 'encryption' );
			body.auth = '1' === data.get( 'auth' );
			body.username = data.get( 'username' );
			body.password = data.get( 'password' );
			body.from = data.get( 'from' );
		}
		var submit = $( 'smtpdiag-test-submit' );
		submit.disabled = true;
		clear( $( 'smtpdiag-test-result' ) ).appendChild( el( 'p', { class: 'smtpdiag-sending', text: __( 'Sending…', 'smtpdiag' ) } ) );
		apiFetch( { path: ns + '/test-send', method: 'POST', data: body } ).then( renderTestResult ).catch( function ( err ) {
			clear( $( 'smtpdiag-test-result' ) ).appendChild( errorBox( failText( err ) ) );
		} ).then( function () {
			submit.disabled = false;
			form.elements.password.value = '';
			apiFetch( { path: ns + '/log' } ).then( renderLog ).catch( function () {} );
		} );
	}

	/* ------------------------------------------------------------------ boot */

	function boot() {
		if ( ! $( 'smtpdiag-app' ) ) {
			return;
		}
		$( 'smtpdiag-run' ).addEventListener( 'click', runChecks );
		var form = $( 'smtpdiag-test-form' );
		form.addEventListener( 'submit', sendTest );
		form.addEventListener( 'change', function () {
			$( 'smtpdiag-direct-fields' ).hidden = 'direct' !== new window.FormData( form ).get( 'mode' );
		} );
		apiFetch( { path: ns + '/status' } ).then( renderAll ).catch( function ( err ) {
			clear( $( 'smtpdiag-health' ) ).appendChild( errorBox( failText( err ) ) );
		} );
		apiFetch( { path: ns + '/settings' } ).then( renderSettings ).catch( function () {} );
		apiFetch( { path: ns + '/log' } ).then( renderLog ).catch( function () {} );
		document.body.setAttribute( 'data-smtpdiag-ready', '1' );
	}

	if ( 'loading' === document.readyState ) {
		document.addEventListener( 'DOMContentLoaded', boot );
	} else {
		boot();
	}
}() );
