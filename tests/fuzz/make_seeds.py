#!/usr/bin/python3
"""Writes the committed seed corpora of tests/fuzz/corpus/<target>/.

Run it again after changing an input format (the files are small and
deterministic except for the keys and certificates it makes, which are
fresh each run). Crash inputs found by fuzzing are committed next to the
seeds as corpus/<target>/crash-<what> and are never regenerated here.

    /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import base64
import datetime
import os
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("latin-1")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# -- reply_reader: mode byte, chunk byte, stream ---------------------------
def rr(name, stream, mode=0, chunk=7):
    write("reply_reader", name, bytes([mode, chunk]) + stream)


rr("greeting", b"220 mx.example.com ESMTP Postfix\r\n")
rr("multiline", b"250-mx.example.com Hello [192.0.2.1]\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n")
rr("enhanced", b"550 5.7.1 <x@example.com>: Relay access denied\r\n", chunk=1)
rr("mixed", b"220-a\r\n250-b\r\n220 c\r\n")
rr("bare_lf", b"220 hi\n250 ok\n", mode=2)
rr("binary", b"220 mx \x00\xff\xfe\x01binary\x00 \xc3\xa9t\xc3\xa9\r\n")
rr("closed_mid", b"250-partial\r\n250-more", mode=2)
rr("tiny_limits", b"220-" + b"x" * 80 + b"\r\n220 end\r\n", mode=1)
rr("too_many_lines", b"".join(b"250-line %d\r\n" % i for i in range(10)) + b"250 end\r\n", mode=1, chunk=64)
rr("malformed", b"2x0 nope\r\n")
rr("code_only", b"354\r\n")

# -- ehlo: the reply lines -------------------------------------------------
write("ehlo", "postfix", "mail.example.com Hello [192.0.2.10]\nPIPELINING\nSIZE 10240000\nVRFY\nETRN\n"
      "STARTTLS\nAUTH PLAIN LOGIN\nAUTH=PLAIN LOGIN\nENHANCEDSTATUSCODES\n8BITMIME\nDSN\nSMTPUTF8\nCHUNKING")
write("ehlo", "exim", "mx.example.org Hello client.example [IPv6:2001:db8::1]\nSIZE 52428800\n8BITMIME\n"
      "PIPELINING\nAUTH CRAM-MD5 PLAIN login xoauth2\nCHUNKING\nSTARTTLS\nHELP")
write("ehlo", "odd", "  \nsize 99999999999999999999999\nauth  plain   PLAIN\nSIZE\n"
      "AUTH " + "X" * 50 + "\n[not-an-ip] [999.1.1.1]")

# -- spf: flags, record, sender, helo, further TXT lines ---------------------
def spf(name, flags, record, sender="user@example.test", helo="mx.example.test", *txt):
    write("spf", name, "\n".join([flags, record, sender, helo, *txt]))


spf("basic", "4", "v=spf1 ip4:192.0.2.0/24 -all")
spf("ip6", "6", "v=spf1 ip6:2001:db8::/32 ip4:198.51.100.1 ~all")
spf("include", "4", "v=spf1 include:_spf.example.test a mx/24//64 -all", "user@example.test", "mx.example.test",
    "v=spf1 ip4:203.0.113.0/24 ?all")
spf("redirect_exp", "4", "v=spf1 redirect=_spf.%{d} exp=explain.%{d}", "a.b@example.test", "h.example.test",
    "v=spf1 -all exp=exp.%{o}", "%{i} is not allowed to send for %{d}: see %{c} %{r} %{t} %{L} %{v} %_%-%%")
spf("macros", "6", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d2} a:%{h}.%{o} ptr:%{p} -all", "first.last+tag@example.test")
spf("ptr", "4", "v=spf1 ptr ptr:example.test -all", "x@example.test", "mx.example.test", "mx.example.test")
spf("limits", "4", "v=spf1 " + " ".join("a:a%d.example.test" % i for i in range(12)) + " -all")
spf("void", "41", "v=spf1 a:n1.example.test a:n2.example.test a:n3.example.test -all")
spf("syntax", "4", "v=spf1 ip4:1.2.3.4/33 a:/24 mx:foo.-bar %{z} include -all all:x")
spf("twice", "4", "v=spf1 redirect=a.example.test redirect=b.example.test exp=x.example.test exp=y.example.test")
spf("tempfail", "43", "v=spf1 a mx include:x.example.test -all")
spf("nosender", "4", "v=spf1 a:%{s}.example.test -all", "", "helo.example.test")

# -- dmarc: record, domain a, domain b ---------------------------------------
write("dmarc", "strict", "v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=s; "
      "rua=mailto:a@example.com,mailto:b@example.net; ruf=mailto:f@example.com\nmail.example.co.uk\nexample.co.uk")
write("dmarc", "none", "v=DMARC1;p=none\nsub.example.com\nother.example.com")
write("dmarc", "bad", "v=DMARC1; p=maybe; pct=101\nEXAMPLE.COM.\nexample.com")
write("dmarc", "psl", "p=none; v=DMARC1\nfoo.bar.github.io\nbaz.github.io")

# -- dkim: the TXT record (or '@' + DER) --------------------------------------
rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
spki = rsa_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
pkcs1 = rsa_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
ed = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                      serialization.PublicFormat.Raw)
write("dkim", "rsa", "v=DKIM1; k=rsa; t=y:s; p=" + base64.b64encode(spki).decode())
write("dkim", "rsa_pkcs1", "v=DKIM1; p=" + base64.b64encode(pkcs1).decode()[:-2])
write("dkim", "ed25519", "v=DKIM1; k=ed25519; p=" + base64.b64encode(ed).decode())
write("dkim", "revoked", "v=DKIM1; p=")
write("dkim", "bad", "k=rsa; v=DKIM1; p=!!!!")
write("dkim", "der", b"@" + spki)

# -- certificate: 'D' + DER, or lines -----------------------------------------
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.example.test")])
now = datetime.datetime(2023, 1, 1)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(7).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("mail.example.test"),
                                                    x509.DNSName("*.example.test")]), critical=False)
        .sign(key, hashes.SHA256()))
write("certificate", "der", b"D" + cert.public_bytes(serialization.Encoding.DER))
write("certificate", "wildcard", "Lmail.example.test\nexample\nDNS:*.example.test\nDNS:example.test")
write("certificate", "partial_wildcard", "Lmail.example.test\nmail.example.test\nDNS:m*.example.test\nDNS:*")
write("certificate", "ip", "L192.0.2.1\n192.0.2.1\nIP:192.0.2.1\nIP:2001:db8::1\nRAWIP:abc")
write("certificate", "cn_only", "Lmail.example.test.\nmail.example.test")
write("certificate", "idn", "Lxn--bcher-kva.example\n\nDNS:xn--bcher-kva.example\nDNS:*.xn--bcher-kva.example")


# -- session: flags byte + TLV script -----------------------------------------
SEND, NEXT, TLS, CLOSE, SHUT, RAW = 1, 2, 3, 4, 5, 6
F_SEND, F_IMPLICIT, F_NOSTARTTLS, F_AUTHONLY, F_AUTOTLS, F_TWORCPT = 1, 2, 4, 32, 64, 128
PLAIN, LOGIN, XOAUTH2 = 1 << 3, 2 << 3, 3 << 3


def tlv(*steps):
    out = b""
    for s in steps:
        if isinstance(s, int):
            out += bytes([s])
        else:
            t, v = s
            v = v.encode("latin-1") if isinstance(v, str) else v
            out += bytes([t]) + struct.pack(">H", len(v)) + v
    return out


def session(name, flags, *steps):
    write("session", name, bytes([flags]) + tlv(*steps))


def s(text):
    return (SEND, text)


EHLO_TLS = "250-mx.fuzz.test Hello [192.0.2.1]\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
EHLO_AUTH = "250-mx.fuzz.test\r\n250-AUTH PLAIN LOGIN XOAUTH2\r\n250-SMTPUTF8\r\n250 SIZE 0\r\n"

session("probe_starttls", 0, s("220 mx.fuzz.test ESMTP\r\n"), NEXT, s(EHLO_TLS), NEXT, s("220 2.0.0 go\r\n"), TLS,
        NEXT, s(EHLO_AUTH), NEXT, s("221 bye\r\n"))
session("probe_inject", 0, s("220 mx\r\n"), NEXT, s(EHLO_TLS), NEXT, s("220 go\r\n250-injected\r\n250 x\r\n"), TLS)
session("probe_implicit", F_IMPLICIT, TLS, s("220 mx.fuzz.test\r\n"), NEXT, s(EHLO_AUTH), NEXT, s("221 bye\r\n"))
session("probe_implicit_plaintext", F_IMPLICIT, s("220 mx.fuzz.test ESMTP\r\n"))
session("probe_busy", 0, s("421 4.3.2 busy\r\n"), CLOSE)
session("probe_helo", F_NOSTARTTLS, s("220 mx\r\n"), NEXT, s("502 no EHLO\r\n"), NEXT, s("250 mx\r\n"), NEXT,
        s("221 bye\r\n"))
session("probe_mixed", 0, s("220-a\r\n250-b\r\n220 c\r\n"))
session("probe_tls_garbage", 0, s("220 mx\r\n"), NEXT, s(EHLO_TLS), NEXT, s("220 go\r\n"), TLS, (RAW, b"\x15\x03\x03\x00\x02\x02\x28"))
session("probe_refused_starttls", 0, s("220 mx\r\n"), NEXT, s(EHLO_TLS), NEXT, s("454 4.7.0 TLS not available\r\n"))
session("probe_shut", 0, s("220 mx\r\n"), NEXT, s("250-mx\r\n250-STA"), SHUT)
session("send_plain", F_SEND | F_NOSTARTTLS | PLAIN, s("220 mx\r\n"), NEXT, s(EHLO_AUTH), NEXT,
        s("235 2.7.0 ok\r\n"), NEXT, s("250 2.1.0 ok\r\n"), NEXT, s("250 2.1.5 ok\r\n"), NEXT,
        s("354 go\r\n"), NEXT, s("250 2.0.0 queued\r\n"), NEXT, s("221 bye\r\n"))
session("send_login_starttls", F_SEND | LOGIN, s("220 mx\r\n"), NEXT, s(EHLO_TLS), NEXT, s("220 go\r\n"), TLS, NEXT,
        s(EHLO_AUTH), NEXT, s("334 VXNlcm5hbWU6\r\n"), NEXT, s("334 UGFzc3dvcmQ6\r\n"), NEXT,
        s("535 5.7.8 bad credentials\r\n"), NEXT, s("221 bye\r\n"))
session("send_xoauth2", F_SEND | F_NOSTARTTLS | XOAUTH2, s("220 mx\r\n"), NEXT, s(EHLO_AUTH), NEXT,
        s("334 eyJzdGF0dXMiOiI0MDAifQ==\r\n"), NEXT, s("535 5.7.8 token expired\r\n"))
session("send_implicit_authonly", F_SEND | F_IMPLICIT | PLAIN | F_AUTHONLY, TLS, s("220 mx\r\n"), NEXT,
        s(EHLO_AUTH), NEXT, s("235 ok\r\n"), NEXT, s("221 bye\r\n"))
session("send_relay", F_SEND | F_NOSTARTTLS | F_TWORCPT, s("220 mx\r\n"), NEXT, s("250-mx\r\n250 SMTPUTF8\r\n"),
        NEXT, s("250 ok\r\n"), NEXT, s("550 5.1.1 unknown\r\n"), NEXT, s("554 5.7.1 Relay access denied\r\n"),
        NEXT, s("221 bye\r\n"))
session("send_helo_data_refused", F_SEND | F_NOSTARTTLS, s("220 mx\r\n"), NEXT, s("500 what\r\n"), NEXT,
        s("250 mx\r\n"), NEXT, s("250 ok\r\n"), NEXT, s("250 ok\r\n"), NEXT, s("354 go\r\n"), NEXT,
        s("552 5.3.4 too big\r\n"))
session("send_autotls", F_SEND | F_AUTOTLS | PLAIN, s("220 mx\r\n"), NEXT, s(EHLO_TLS), NEXT, s("220 go\r\n"), TLS,
        NEXT, s(EHLO_AUTH), NEXT, s("235 ok\r\n"), NEXT, s("530 5.7.0 Must issue a STARTTLS command first\r\n"))
session("send_mail_from_auth_required", F_SEND | F_NOSTARTTLS, s("220 mx\r\n"), NEXT, s("250 mx\r\n"), NEXT,
        s("530 5.7.0 Authentication required\r\n"))
session("send_busy_close", F_SEND | F_NOSTARTTLS, s("421 4.3.2 busy, closing\r\n"), CLOSE)
session("probe_eof_after_ehlo", F_NOSTARTTLS, s("220 mx\r\n"), NEXT, s("250 mx\r\n"), CLOSE)
print("seeds written under", ROOT)
