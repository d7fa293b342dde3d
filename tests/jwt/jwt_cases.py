#!/usr/bin/python3
"""JWT verification cases: tokens made by python3-jwt, checked by cgrpc.

Makes fresh keys with python3-cryptography in --work (public halves only are
written to disk; nothing secret is checked in), signs tokens with PyJWT (or,
for tokens PyJWT rightly refuses to make, by hand with hmac/cryptography),
runs jwt_verify_tool on each and compares the status and the message with
what cgrpc/jwt.h promises. A message must never contain the token.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time

import jwt
from jwt.algorithms import ECAlgorithm, HMACAlgorithm, RSAAlgorithm
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
import datetime

NOW = int(time.time())


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pem_public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def self_signed_cert(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwt-test")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(datetime.datetime(2020, 1, 1))
            .not_valid_after(datetime.datetime(2040, 1, 1))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))


def hs256_by_hand(header, payload_bytes, secret):
    """A token PyJWT would not make (odd header, non-JSON payload, PEM secret)."""
    signing_input = b64(json.dumps(header).encode()) + "." + b64(payload_bytes)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(mac)


class Suite:
    def __init__(self, tool, work):
        self.tool, self.work = tool, work
        self.failures = 0
        self.count = 0
        os.makedirs(work, exist_ok=True)

    def write(self, name, data):
        path = os.path.join(self.work, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def run(self, args, token):
        if "--now-s" not in args:  # a fixed clock: messages name exact seconds
            args = args + ["--now-s", str(NOW)]
        p = subprocess.run([self.tool] + args, input=token.encode(), capture_output=True,
                           timeout=60)
        out = p.stdout.decode().strip()
        if p.returncode not in (0, 2) or p.stderr:
            return "CRASH", "exit %d: %s %s" % (p.returncode, out, p.stderr.decode())
        code, _, message = out.partition(" ")
        return code, message

    def case(self, name, args, token, want_code, want_text=None):
        self.count += 1
        code, message = self.run(args, token)
        ok = code == want_code and (want_text is None or want_text in message)
        if code != "OK" and token:
            bare = token.split(" ")[-1]
            for part in [p for p in [bare] + bare.split(".") if len(p) >= 8]:
                if part in message:
                    ok = False
                    message += "  [the message echoes the token]"
        print("%s %s: %s %s" % ("ok" if ok else "FAIL", name, code, message[:160]))
        if not ok:
            print("   want %s %r" % (want_code, want_text))
            self.failures += 1
        return message

    def config(self, name, args, want_text):
        self.count += 1
        code, message = self.run(args, "x")
        ok = code == "CONFIG" and want_text in message
        print("%s %s: %s %s" % ("ok" if ok else "FAIL", name, code, message[:160]))
        if not ok:
            print("   want CONFIG ... %r" % want_text)
            self.failures += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    s = Suite(a.tool, a.work)

    rsa1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ec1 = ec.generate_private_key(ec.SECP256R1())
    ec2 = ec.generate_private_key(ec.SECP256R1())
    ec384 = ec.generate_private_key(ec.SECP384R1())
    secret = os.urandom(32)
    secret2 = os.urandom(48)

    rsa1_pem = s.write("rsa1.pub.pem", pem_public(rsa1))
    rsa2_pem = s.write("rsa2.pub.pem", pem_public(rsa2))
    rsa1_pkcs1 = s.write("rsa1.pkcs1.pem", rsa1.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1))
    rsa1_cert = s.write("rsa1.cert.pem", self_signed_cert(rsa1))
    ec1_pem = s.write("ec1.pub.pem", pem_public(ec1))
    ec1_cert = s.write("ec1.cert.pem", self_signed_cert(ec1))
    small_pem = s.write("rsa-small.pub.pem", pem_public(rsa_small))
    ec384_pem = s.write("ec384.pub.pem", pem_public(ec384))
    garbage_pem = s.write("garbage.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")

    def jwk(alg_class, key, kid, **extra):
        d = json.loads(alg_class.to_jwk(key))
        d["kid"] = kid
        d.update(extra)
        return d

    jwks = {"keys": [
        jwk(RSAAlgorithm, rsa1.public_key(), "rsa-1", use="sig", alg="RS256"),
        jwk(RSAAlgorithm, rsa2.public_key(), "rsa-2"),
        jwk(ECAlgorithm, ec1.public_key(), "ec-1", alg="ES256"),
        jwk(HMACAlgorithm, secret, "hs-1"),
        jwk(RSAAlgorithm, rsa2.public_key(), "enc-1", use="enc"),    # skipped: not for signatures
        jwk(RSAAlgorithm, rsa2.public_key(), "ps-1", alg="PS256"),   # skipped: another algorithm
        jwk(ECAlgorithm, ec384.public_key(), "ec-384"),              # skipped: another curve
        {"kty": "OKP", "crv": "Ed25519", "x": b64(b"\x01" * 32), "kid": "ed-1"},  # skipped
    ]}
    jwks_file = s.write("jwks.json", json.dumps(jwks))
    # Rotation: a second document adds the new key, the old one stays trusted.
    jwks_next = s.write("jwks-next.json", json.dumps(
        {"keys": [jwk(ECAlgorithm, ec2.public_key(), "ec-2")]}))

    hs = ["--hmac-hex", secret.hex()]
    rs = ["--pem", rsa1_pem]
    es = ["--pem", ec1_pem]
    ks = ["--jwks", jwks_file]

    def claims(**extra):
        c = {"sub": "alice", "exp": NOW + 600, "iat": NOW - 5}
        c.update(extra)
        return {k: v for k, v in c.items() if v is not None}

    def tok(key, alg, payload=None, kid=None, headers=None):
        h = dict(headers or {})
        if kid:
            h["kid"] = kid
        return jwt.encode(payload if payload is not None else claims(), key, algorithm=alg,
                          headers=h or None)

    # Each algorithm, each way of giving its key.
    msg = s.case("HS256 valid", hs, tok(secret, "HS256"), "OK", '"sub":"alice"')
    s.case("RS256 valid (SubjectPublicKeyInfo PEM)", rs, tok(rsa1, "RS256"), "OK")
    s.case("RS256 valid (PKCS#1 RSA PUBLIC KEY PEM)", ["--pem", rsa1_pkcs1], tok(rsa1, "RS256"), "OK")
    s.case("RS256 valid (certificate PEM)", ["--pem", rsa1_cert], tok(rsa1, "RS256"), "OK")
    s.case("ES256 valid (PEM)", es, tok(ec1, "ES256"), "OK")
    s.case("ES256 valid (certificate PEM)", ["--pem", ec1_cert], tok(ec1, "ES256"), "OK")
    s.case("HS256 valid (JWKS oct, kid)", ks, tok(secret, "HS256", kid="hs-1"), "OK")
    s.case("RS256 valid (JWKS, kid)", ks, tok(rsa1, "RS256", kid="rsa-1"), "OK")
    s.case("ES256 valid (JWKS, kid)", ks, tok(ec1, "ES256", kid="ec-1"), "OK")
    s.case("RS256 valid (JWKS, no kid: keys of the algorithm tried)", ks, tok(rsa2, "RS256"), "OK")

    # Key selection and rotation.
    s.case("kid picks the second RSA key", ks, tok(rsa2, "RS256", kid="rsa-2"), "OK")
    s.case("kid names a key that did not sign", ks, tok(rsa2, "RS256", kid="rsa-1"),
           "UNAUTHENTICATED", "signature does not verify")
    s.case("unknown kid", ks, tok(rsa1, "RS256", kid="nope"), "UNAUTHENTICATED",
           'no key with kid "nope"')
    s.case("kid of a skipped (use=enc) key", ks, tok(rsa2, "RS256", kid="enc-1"),
           "UNAUTHENTICATED", 'no key with kid "enc-1"')
    s.case("rotation: two PEM keys, token by the second", rs + ["--pem", rsa2_pem],
           tok(rsa2, "RS256"), "OK")
    s.case("rotation: old JWKS + new JWKS, token by the new key", ks + ["--jwks", jwks_next],
           tok(ec2, "ES256", kid="ec-2"), "OK")
    s.case("rotation: old key still trusted", ks + ["--jwks", jwks_next],
           tok(ec1, "ES256", kid="ec-1"), "OK")
    s.case("rotation: new key unknown before it is added", ks, tok(ec2, "ES256", kid="ec-2"),
           "UNAUTHENTICATED", 'no key with kid "ec-2"')
    s.case("PEM keys with kids", ["--pem", rsa1_pem + "=a", "--pem", rsa2_pem + "=b"],
           tok(rsa2, "RS256", kid="b"), "OK")
    s.case("HMAC keys with kids, second secret", hs + ["--hmac-hex", secret2.hex() + "=k2"],
           tok(secret2, "HS256", kid="k2"), "OK")

    # An EC JWK whose x lost its leading zero byte (as PyJWT < 2.8 writes them).
    ec_short = ec.generate_private_key(ec.SECP256R1())
    while ec_short.public_key().public_numbers().x >= 2 ** 248:
        ec_short = ec.generate_private_key(ec.SECP256R1())
    nums = ec_short.public_key().public_numbers()
    short_jwk = {"kty": "EC", "crv": "P-256", "kid": "short",
                 "x": b64(nums.x.to_bytes(31, "big")), "y": b64(nums.y.to_bytes(32, "big"))}
    s.case("EC JWK with a 31-byte x", ["--jwks", s.write("short.json", json.dumps(
        {"keys": [short_jwk]}))], tok(ec_short, "ES256", kid="short"), "OK")
    long_jwk = dict(short_jwk, x=b64(b"\0\0" + nums.x.to_bytes(31, "big")))
    s.config("EC JWK with a 33-byte x", ["--jwks", s.write("long.json", json.dumps(
        {"keys": [long_jwk]}))], "at most 32 bytes")

    # Algorithm none and algorithm confusion.
    s.case("alg none", hs + rs, jwt.encode(claims(), None, algorithm="none"),
           "UNAUTHENTICATED", "algorithm none is not allowed")
    none_upper = b64(b'{"alg":"None","typ":"JWT"}') + "." + b64(json.dumps(claims()).encode()) + "."
    s.case("alg None (other case)", hs, none_upper, "UNAUTHENTICATED", "algorithm none is not allowed")
    rsa_pem_bytes = pem_public(rsa1)
    confused = hs256_by_hand({"alg": "HS256", "typ": "JWT"}, json.dumps(claims()).encode(),
                             rsa_pem_bytes)
    s.case("HS256 signed with the RSA public PEM as secret", rs, confused, "UNAUTHENTICATED",
           "no key for algorithm HS256")
    confused_kid = hs256_by_hand({"alg": "HS256", "kid": "rsa-1"}, json.dumps(claims()).encode(),
                                 rsa_pem_bytes)
    s.case("HS256 with the kid of an RSA key", ks, confused_kid, "UNAUTHENTICATED",
           'the key with kid "rsa-1" is for RS256, but the token says HS256')
    s.case("RS256 token, only an HMAC key", hs, tok(rsa1, "RS256"), "UNAUTHENTICATED",
           "no key for algorithm RS256")
    s.case("ES256 token with the kid of an RSA key", ks, tok(ec1, "ES256", kid="rsa-1"),
           "UNAUTHENTICATED", "is for RS256, but the token says ES256")
    s.case("RS384 not supported", rs, tok(rsa1, "RS384"), "UNAUTHENTICATED",
           'algorithm "RS384" is not supported')
    s.case("PS256 not supported", rs, tok(rsa1, "PS256"), "UNAUTHENTICATED",
           'algorithm "PS256" is not supported')
    s.case("no alg", hs, hs256_by_hand({"typ": "JWT"}, json.dumps(claims()).encode(), secret),
           "UNAUTHENTICATED", "the token header has no alg")
    s.case("crit header", hs, tok(secret, "HS256", headers={"crit": ["exp"], "exp": 1}),
           "UNAUTHENTICATED", "critical parameters")

    # Signatures and encodings.
    good = tok(secret, "HS256")
    h, p, sig = good.split(".")
    other_payload = b64(json.dumps(claims(sub="mallory")).encode())
    s.case("tampered payload", hs, h + "." + other_payload + "." + sig, "UNAUTHENTICATED",
           "signature does not verify")
    s.case("signature of another secret", hs, tok(os.urandom(32), "HS256"), "UNAUTHENTICATED",
           "signature does not verify")
    s.case("tampered RS256 signature", rs,
           (lambda t: t[:-4] + ("AAAA" if t[-4:] != "AAAA" else "BBBB"))(tok(rsa1, "RS256")),
           "UNAUTHENTICATED", "signature does not verify")
    es_tok = tok(ec1, "ES256")
    eh, ep, _ = es_tok.split(".")
    der = ec1.sign((eh + "." + ep).encode(), ec.ECDSA(hashes.SHA256()))
    s.case("ES256 with a DER signature (not raw r||s)", es, eh + "." + ep + "." + b64(der),
           "UNAUTHENTICATED", "an ES256 signature is 64 bytes")
    s.case("bad base64 in the header ('+')", hs, "+" + good[1:], "UNAUTHENTICATED",
           "the token header is not base64url")
    s.case("padded signature ('=')", hs, good + "=", "UNAUTHENTICATED",
           "the token signature is not base64url")
    s.case("bad base64 in the payload (signed)", hs,
           (lambda si: si + "." + b64(hmac.new(secret, si.encode(), hashlib.sha256).digest()))(
               h + ".e30*"), "UNAUTHENTICATED", "the token payload is not base64url")
    s.case("header not JSON", hs, b64(b"{alg:HS256}") + "." + p + "." + sig, "UNAUTHENTICATED",
           "the token header is not valid")
    s.case("header with duplicate alg", hs,
           b64(b'{"alg":"HS256","alg":"none"}') + "." + p + "." + sig, "UNAUTHENTICATED",
           "duplicate member name")
    s.case("payload not JSON (signed)", hs,
           hs256_by_hand({"alg": "HS256"}, b'{"sub":"alice",}', secret), "UNAUTHENTICATED",
           "the token payload is not valid")
    s.case("payload not an object (signed)", hs,
           hs256_by_hand({"alg": "HS256"}, b'["sub"]', secret), "UNAUTHENTICATED",
           "not a JSON object")
    deep = b'{"exp":%d,"x":' % (NOW + 600) + b"[" * 40 + b"]" * 40 + b"}"
    s.case("payload nested too deeply (signed)", hs, hs256_by_hand({"alg": "HS256"}, deep, secret),
           "UNAUTHENTICATED", "nested too deeply")
    s.case("two parts only", hs, h + "." + p, "UNAUTHENTICATED", "not a signed JWT")
    s.case("five parts (JWE)", hs, good + ".a.b", "UNAUTHENTICATED", "not a signed JWT")
    s.case("empty token", hs, "", "UNAUTHENTICATED", "the token is empty")
    s.case("huge token", hs, tok(secret, "HS256", claims(pad="x" * 9000)), "UNAUTHENTICATED",
           "more than the limit of 8192")
    s.case("large token under the limit", hs, tok(secret, "HS256", claims(pad="x" * 5000)), "OK")

    # Time claims.
    s.case("expired", hs, tok(secret, "HS256", claims(exp=NOW - 120)), "UNAUTHENTICATED",
           "token expired 120 s ago")
    s.case("expired, within the default leeway", hs, tok(secret, "HS256", claims(exp=NOW - 30)), "OK")
    s.case("expired, leeway 0", hs + ["--leeway-s", "0"], tok(secret, "HS256", claims(exp=NOW - 30)),
           "UNAUTHENTICATED", "token expired 30 s ago")
    s.case("expired, leeway 300", hs + ["--leeway-s", "300"],
           tok(secret, "HS256", claims(exp=NOW - 120)), "OK")
    s.case("no exp", hs, tok(secret, "HS256", claims(exp=None)), "UNAUTHENTICATED",
           "the token has no exp claim")
    s.case("exp not a number (signed)", hs,
           hs256_by_hand({"alg": "HS256"}, b'{"exp":"tomorrow"}', secret), "UNAUTHENTICATED",
           "exp claim is not a number")
    s.case("fractional exp", hs, tok(secret, "HS256", claims(exp=NOW + 600.5)), "OK")
    s.case("not yet valid", hs, tok(secret, "HS256", claims(nbf=NOW + 300)), "UNAUTHENTICATED",
           "token not valid for another 300 s")
    s.case("nbf within the leeway", hs, tok(secret, "HS256", claims(nbf=NOW + 30)), "OK")
    s.case("nbf past", hs, tok(secret, "HS256", claims(nbf=NOW - 30)), "OK")
    s.case("iat in the future", hs, tok(secret, "HS256", claims(iat=NOW + 3600)),
           "UNAUTHENTICATED", "token issued 3600 s in the future")
    s.case("no iat", hs, tok(secret, "HS256", claims(iat=None)), "OK")
    s.case("fixed clock (--now-s)", hs + ["--now-s", str(NOW + 1000)], tok(secret, "HS256"),
           "UNAUTHENTICATED", "token expired 400 s ago")

    # Issuer and audience.
    iss = ["--issuer", "https://auth.example.com"]
    s.case("issuer matches", hs + iss, tok(secret, "HS256", claims(iss="https://auth.example.com")), "OK")
    s.case("wrong issuer", hs + iss, tok(secret, "HS256", claims(iss="https://evil.example.com")),
           "UNAUTHENTICATED", "issuer does not match")
    s.case("no issuer", hs + iss, tok(secret, "HS256"), "UNAUTHENTICATED", "no iss claim")
    aud = ["--audience", "orders", "--audience", "billing"]
    s.case("audience string matches", hs + aud, tok(secret, "HS256", claims(aud="billing")), "OK")
    s.case("audience array contains", hs + aud, tok(secret, "HS256", claims(aud=["x", "orders"])), "OK")
    s.case("wrong audience", hs + aud, tok(secret, "HS256", claims(aud="shipping")),
           "UNAUTHENTICATED", "audience does not match")
    s.case("audience array without ours", hs + aud, tok(secret, "HS256", claims(aud=["x", "y"])),
           "UNAUTHENTICATED", "audience does not match")
    s.case("no audience", hs + aud, tok(secret, "HS256"), "UNAUTHENTICATED", "no aud claim")
    s.case("audience not checked when not configured", hs, tok(secret, "HS256", claims(aud="x")), "OK")

    # Scopes.
    sc = ["--scope", "orders.read"]
    s.case("scope in 'scope'", hs + sc, tok(secret, "HS256", claims(scope="profile orders.read")), "OK")
    s.case("scope in 'scp' array", hs + sc, tok(secret, "HS256", claims(scp=["orders.read"])), "OK")
    s.case("scope in 'scp' string", hs + sc, tok(secret, "HS256", claims(scp="a orders.read")), "OK")
    s.case("missing scope", hs + sc, tok(secret, "HS256", claims(scope="orders.write")),
           "PERMISSION_DENIED", 'the token lacks the required scope "orders.read"')
    s.case("scope prefix is not the scope", hs + sc, tok(secret, "HS256", claims(scope="orders.readx")),
           "PERMISSION_DENIED", "orders.read")
    s.case("two scopes, one missing", hs + sc + ["--scope", "orders.write"],
           tok(secret, "HS256", claims(scope="orders.read")), "PERMISSION_DENIED", "orders.write")
    s.case("expired token without scope: UNAUTHENTICATED first", hs + sc,
           tok(secret, "HS256", claims(exp=NOW - 600)), "UNAUTHENTICATED", "expired")

    # The authorization header.
    s.case("Bearer", hs + ["--bearer"], "Bearer " + good, "OK")
    s.case("bearer, several spaces", hs + ["--bearer"], "bearer   " + good, "OK")
    s.case("Basic scheme", hs + ["--bearer"], "Basic dXNlcjpwYXNz", "UNAUTHENTICATED",
           'is not "Bearer <token>"')
    s.case("Bearer without a token", hs + ["--bearer"], "Bearer ", "UNAUTHENTICATED",
           "the token is empty")
    s.case("token without scheme", hs + ["--bearer"], good, "UNAUTHENTICATED",
           'is not "Bearer <token>"')

    # Configuration errors.
    s.config("RSA key under 2048 bits", ["--pem", small_pem], "at least 2048")
    s.config("EC key on P-384", ["--pem", ec384_pem], "P-256")
    s.config("PEM without a key", ["--pem", garbage_pem], "no public key")
    s.config("missing PEM file", ["--pem", os.path.join(a.work, "nope.pem")], "cannot open")
    s.config("short HMAC secret", ["--hmac-hex", "00" * 16], "at least 32")
    s.config("JWKS without usable keys", ["--jwks", s.write("enc.json", json.dumps(
        {"keys": [jwk(RSAAlgorithm, rsa2.public_key(), "e", use="enc")]}))], "no key cgrpc can verify")
    s.config("JWKS not JSON", ["--jwks", s.write("bad.json", '{"keys": [}')], "the JWKS is not valid")
    s.config("JWKS with a bad EC point", ["--jwks", s.write("badec.json", json.dumps(
        {"keys": [{"kty": "EC", "crv": "P-256", "x": b64(b"\x01" * 32), "y": b64(b"\x02" * 32)}]}))],
        "not a valid point")
    s.config("JWKS with a short oct key", ["--jwks", s.write("shortoct.json", json.dumps(
        {"keys": [{"kty": "oct", "k": b64(b"k" * 8)}]}))], "shorter than 32 bytes")
    s.config("JWKS RSA without n", ["--jwks", s.write("non.json", json.dumps(
        {"keys": [{"kty": "RSA", "e": "AQAB"}]}))], 'member "n" is missing')
    s.config("JWKS without keys", ["--jwks", s.write("nokeys.json", "{}")], 'no "keys" array')

    print("%d cases, %d failed" % (s.count, s.failures))
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
