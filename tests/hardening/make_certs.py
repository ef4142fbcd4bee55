#!/usr/bin/python3
"""Certificates for the hostile suite, written to DIR:

  default.pem / default.key        a self-signed leaf for 127.0.0.1 / localhost
  chain50-chain.pem / chain50.key  a chain of 50 certificates as a server
                                   sends it: leaf, 48 intermediates, root
  chain50-root.pem                 the root alone (a CA file that trusts it)

    make_certs.py DIR

EC P-256 keys: fifty RSA keys would take longer than the tests.
"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject, issuer, key, issuer_key, ca, path_len=None, leaf=False):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True))
    if leaf:
        b = b.add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)


def key_pem(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                           serialization.NoEncryption())


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    k = ec.generate_private_key(ec.SECP256R1())
    with open(os.path.join(out, "default.pem"), "wb") as f:
        f.write(pem(cert("localhost", "localhost", k, k, False, leaf=True)))
    with open(os.path.join(out, "default.key"), "wb") as f:
        f.write(key_pem(k))

    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(50)]
    certs = [cert("hostile root", "hostile root", keys[0], keys[0], True)]
    for i in range(1, 49):
        certs.append(cert(f"hostile intermediate {i}", certs[-1].subject.rfc4514_string()[3:], keys[i],
                          keys[i - 1], True))
    certs.append(cert("localhost", "hostile intermediate 48", keys[49], keys[48], False, leaf=True))
    with open(os.path.join(out, "chain50-chain.pem"), "wb") as f:
        for c in reversed(certs):
            f.write(pem(c))
    with open(os.path.join(out, "chain50.key"), "wb") as f:
        f.write(key_pem(keys[49]))
    with open(os.path.join(out, "chain50-root.pem"), "wb") as f:
        f.write(pem(certs[0]))


if __name__ == "__main__":
    main()
