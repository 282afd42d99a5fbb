"""JWT bearer tokens with real RSA and EC keys, a JWKS file and a JWKS served over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from keel.api.auth import Authenticator
from keel.api.jwt import JwtConfig, JwtVerifier, claim, roles
from keel.api.keys import ApiKeys
from keel.config import load_settings
from keel.errors import ConfigError, Unauthenticated
from keel.governance.policy import Principal
from keel.store import Store

ISSUER = "https://login.example.test/"
AUDIENCE = "https://agents.example.test"


class Signer:
    """A private key and its public JWK, with a ``kid``."""

    def __init__(self, kid: str, kind: str = "RSA") -> None:
        self.kid = kid
        if kind == "RSA":
            self.alg = "RS256"
            self.private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.alg = "ES256"
            self.private = ec.generate_private_key(ec.SECP256R1())
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk = {**jwk, "kid": kid, "alg": self.alg, "use": "sig"}

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-42",
            "org": "acme",
            "roles": ["client", "viewer", "superuser"],
            "iat": now,
            "exp": now + 300,
        }
        headers = {"kid": self.kid}
        headers.update(overrides.pop("headers", {}))
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=headers)


def jwks(*signers: Signer) -> dict[str, Any]:
    return {"keys": [s.jwk for s in signers]}


@pytest.fixture(scope="module")
def rsa_signer() -> Signer:
    return Signer("rsa-1")


@pytest.fixture(scope="module")
def ec_signer() -> Signer:
    return Signer("ec-1", "EC")


@pytest.fixture(scope="module")
def stranger() -> Signer:
    """Another RSA key claiming the same ``kid``: its signatures must not verify."""
    return Signer("rsa-1")


@pytest.fixture
def jwks_file(tmp_path: Path, rsa_signer: Signer, ec_signer: Signer) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(rsa_signer, ec_signer)))
    return path


@pytest.fixture
def verifier(jwks_file: Path) -> JwtVerifier:
    return JwtVerifier(
        JwtConfig(
            issuer=ISSUER,
            audience=AUDIENCE,
            jwks_file=jwks_file,
            tenant_claim="org",
            leeway_s=10,
        )
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_good_rsa_token_maps_to_a_principal(verifier: JwtVerifier, rsa_signer: Signer) -> None:
    got = verifier.verify(rsa_signer.token())
    # "superuser" is not a Keel role: dropped.
    assert got == Principal("jwt:user-42", ("client", "viewer"), "acme")


def test_a_good_ec_token_verifies(verifier: JwtVerifier, ec_signer: Signer) -> None:
    assert verifier.verify(ec_signer.token(roles="approver")).roles == ("approver",)


def test_expired_tokens_are_refused_beyond_the_leeway(
    verifier: JwtVerifier, rsa_signer: Signer
) -> None:
    now = int(time.time())
    assert verifier.verify(rsa_signer.token(iat=now - 600, exp=now - 5)).tenant == "acme"
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(rsa_signer.token(iat=now - 600, exp=now - 60))
    with pytest.raises(Unauthenticated, match="not valid yet"):
        verifier.verify(rsa_signer.token(nbf=now + 120))


def test_a_token_without_exp_is_refused(verifier: JwtVerifier, rsa_signer: Signer) -> None:
    with pytest.raises(Unauthenticated, match="'exp'"):
        verifier.verify(rsa_signer.token(exp=None))


def test_wrong_issuer_or_audience_is_refused(verifier: JwtVerifier, rsa_signer: Signer) -> None:
    with pytest.raises(Unauthenticated, match="issuer"):
        verifier.verify(rsa_signer.token(iss="https://evil.example.test/"))
    with pytest.raises(Unauthenticated, match="audience"):
        verifier.verify(rsa_signer.token(aud="https://other-app.example.test"))
    # A list of audiences that contains ours is fine.
    assert verifier.verify(rsa_signer.token(aud=["x", AUDIENCE])).tenant == "acme"


def test_a_bad_signature_is_refused(
    verifier: JwtVerifier, rsa_signer: Signer, stranger: Signer
) -> None:
    with pytest.raises(Unauthenticated, match="signature"):
        verifier.verify(stranger.token())
    header, payload, sig = rsa_signer.token().split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["roles"] = ["admin"]
    tampered = f"{header}.{_b64(json.dumps(forged).encode())}.{sig}"
    with pytest.raises(Unauthenticated, match="signature"):
        verifier.verify(tampered)


def test_alg_none_is_refused(verifier: JwtVerifier, rsa_signer: Signer) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "rsa-1"}).encode())
    payload = rsa_signer.token().split(".")[1]
    with pytest.raises(Unauthenticated, match="'none' is not accepted"):
        verifier.verify(f"{header}.{payload}.")


def test_hs256_signed_with_the_public_key_is_refused(
    verifier: JwtVerifier, rsa_signer: Signer
) -> None:
    # The classic algorithm confusion: an HMAC keyed with the published RSA key.
    public_pem = rsa_signer.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    payload = rsa_signer.token().split(".")[1]
    sig = _b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    with pytest.raises(Unauthenticated, match="'HS256' is not accepted"):
        verifier.verify(f"{header}.{payload}.{sig}")


def test_an_ec_token_claiming_the_rsa_keys_kid_is_refused(
    verifier: JwtVerifier, ec_signer: Signer
) -> None:
    with pytest.raises(Unauthenticated, match="does not match its key"):
        verifier.verify(ec_signer.token(headers={"kid": "rsa-1"}))


def test_an_unknown_kid_is_refused(verifier: JwtVerifier, rsa_signer: Signer) -> None:
    with pytest.raises(Unauthenticated, match="unknown key"):
        verifier.verify(rsa_signer.token(headers={"kid": "rotated-away"}))


def test_no_kid_is_accepted_only_with_a_single_key(
    tmp_path: Path, rsa_signer: Signer, verifier: JwtVerifier
) -> None:
    token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "s", "org": "acme", "exp": time.time() + 60},
        rsa_signer.private,
        algorithm="RS256",
    )
    with pytest.raises(Unauthenticated, match="no 'kid'"):
        verifier.verify(token)
    single = tmp_path / "single.json"
    single.write_text(json.dumps(jwks(rsa_signer)))
    one = JwtVerifier(JwtConfig(issuer=ISSUER, audience=AUDIENCE, jwks_file=single))
    one_token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "s", "tenant": "t", "exp": time.time() + 60},
        rsa_signer.private,
        algorithm="RS256",
    )
    assert one.verify(one_token) == Principal("jwt:s", (), "t")


def test_a_token_without_a_tenant_is_refused(verifier: JwtVerifier, rsa_signer: Signer) -> None:
    for org in (None, "", 42, ["acme"]):
        with pytest.raises(Unauthenticated, match="no tenant"):
            verifier.verify(rsa_signer.token(org=org))  # None: no claim at all


def test_claim_names_and_shapes(jwks_file: Path, rsa_signer: Signer) -> None:
    nested = JwtVerifier(
        JwtConfig(
            issuer=ISSUER,
            audience=AUDIENCE,
            jwks_file=jwks_file,
            tenant_claim="app.tenant",
            roles_claim="https://keel.example/roles",
        )
    )
    token = rsa_signer.token(
        app={"tenant": "globex"}, **{"https://keel.example/roles": "operator, approver admin2"}
    )
    assert nested.verify(token) == Principal("jwt:user-42", ("operator", "approver"), "globex")
    assert claim({"a": {"b": 1}}, "a.b") == 1
    assert claim({"a.b": 2, "a": {"b": 1}}, "a.b") == 2
    assert claim({"a": 1}, "a.b") is None
    assert roles({"not": "a list"}) == ()
    assert roles(["viewer", "viewer", 7]) == ("viewer",)


def test_garbage_is_refused(verifier: JwtVerifier) -> None:
    for bad in ("a.b.c", "x" * 20_000, "..", "eyJ.eyJ.sig"):
        with pytest.raises(Unauthenticated):
            verifier.verify(bad)


def test_the_jwks_file_is_reread_when_it_changes(
    jwks_file: Path, verifier: JwtVerifier, rsa_signer: Signer
) -> None:
    rotated = Signer("rsa-2")
    with pytest.raises(Unauthenticated, match="unknown key"):
        verifier.verify(rotated.token())
    jwks_file.write_text(json.dumps(jwks(rsa_signer, rotated)))
    st = jwks_file.stat()
    os.utime(jwks_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert verifier.verify(rotated.token()).id == "jwt:user-42"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"algorithms": ("HS256",)}, "asymmetric"),
        ({"algorithms": ("RS256", "none")}, "asymmetric"),
        ({"algorithms": ()}, "asymmetric"),
        ({"issuer": ""}, "jwt_issuer and jwt_audience"),
        ({"audience": ""}, "jwt_issuer and jwt_audience"),
        ({"jwks_url": "https://x.test/jwks"}, "exactly one"),
        ({"jwks_file": None}, "exactly one"),
        ({"tenant_claim": ""}, "must name claims"),
    ],
)
def test_unsafe_configurations_are_refused(
    jwks_file: Path, overrides: dict[str, Any], message: str
) -> None:
    base: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "jwks_file": jwks_file}
    with pytest.raises(ConfigError, match=message):
        JwtConfig(**(base | overrides))


def test_an_unreadable_jwks_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "jwks.json"
    bad.write_text("not json")
    with pytest.raises(ConfigError, match="not a readable JWKS"):
        JwtVerifier(JwtConfig(issuer=ISSUER, audience=AUDIENCE, jwks_file=bad))


def test_settings_build_the_verifier(tmp_path: Path, jwks_file: Path, ec_signer: Signer) -> None:
    assert JwtVerifier.from_settings(load_settings({}, cwd=tmp_path)) is None
    env = {
        "KEEL_JWT_JWKS_FILE": str(jwks_file),
        "KEEL_JWT_ISSUER": ISSUER,
        "KEEL_JWT_AUDIENCE": AUDIENCE,
        "KEEL_JWT_ALGORITHMS": "ES256, RS256",
        "KEEL_JWT_TENANT_CLAIM": "org",
        "KEEL_JWT_ROLES_CLAIM": "roles",
        "KEEL_JWT_LEEWAY_S": "5",
    }
    settings = load_settings(env, cwd=tmp_path)
    assert settings.jwt_algorithms == ["ES256", "RS256"]
    v = JwtVerifier.from_settings(settings)
    assert v is not None
    assert v.config.leeway_s == 5
    assert v.verify(ec_signer.token()).tenant == "acme"
    missing = load_settings({"KEEL_JWT_JWKS_FILE": str(jwks_file)}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="jwt_issuer"):
        JwtVerifier.from_settings(missing)


def test_the_authenticator_routes_jwts_and_keys(
    tmp_path: Path, verifier: JwtVerifier, rsa_signer: Signer
) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'keel.db'}") as store:
        keys = ApiKeys(store)
        auth = Authenticator(keys, jwt=verifier)
        _, key = keys.create("acme", ["viewer"], actor="t")
        assert auth.authenticate(f"Bearer {rsa_signer.token()}").id == "jwt:user-42"
        assert auth.authenticate(f"Bearer {key}").roles == ("viewer",)
        with pytest.raises(Unauthenticated, match="malformed API key"):
            auth.authenticate(None, rsa_signer.token())  # X-API-Key takes keys only


# -- a JWKS served over HTTP --------------------------------------------------------------


class JwksServer:
    """A real HTTP server on localhost serving ``self.document``; counts requests."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                body = json.dumps(outer.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def served(rsa_signer: Signer) -> Iterator[JwksServer]:
    s = JwksServer(jwks(rsa_signer))
    yield s
    s.stop()


def _url_verifier(url: str, **overrides: Any) -> JwtVerifier:
    config: dict[str, Any] = {
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "jwks_url": url,
        "tenant_claim": "org",
    }
    return JwtVerifier(JwtConfig(**(config | overrides)))


def test_jwks_from_a_url_is_fetched_once_and_cached(served: JwksServer, rsa_signer: Signer) -> None:
    v = _url_verifier(served.url)
    for _ in range(5):
        assert v.verify(rsa_signer.token()).tenant == "acme"
    assert served.requests == 1


def test_unknown_kids_refetch_at_most_once_per_cooldown(
    served: JwksServer, rsa_signer: Signer
) -> None:
    v = _url_verifier(served.url, refresh_cooldown_s=3600)
    v.verify(rsa_signer.token())
    for i in range(10):
        with pytest.raises(Unauthenticated, match="unknown key"):
            v.verify(rsa_signer.token(headers={"kid": f"made-up-{i}"}))
    assert served.requests == 2  # the first fetch, and one refresh for the unknown kid


def test_a_rotated_key_is_picked_up_from_the_url(served: JwksServer, rsa_signer: Signer) -> None:
    v = _url_verifier(served.url, refresh_cooldown_s=0)
    v.verify(rsa_signer.token())
    rotated = Signer("rsa-2")
    served.document = jwks(rotated)
    assert v.verify(rotated.token()).id == "jwt:user-42"
    assert served.requests == 2


def test_an_unreachable_jwks_url_fails_closed(rsa_signer: Signer) -> None:
    s = JwksServer({})
    url = s.url
    s.stop()  # nothing listens there any more
    v = _url_verifier(url, timeout_s=2)
    with pytest.raises(Unauthenticated, match="could not be fetched"):
        v.verify(rsa_signer.token())


def test_a_remembered_token_still_expires(jwks_file: Path, rsa_signer: Signer) -> None:
    v = JwtVerifier(
        JwtConfig(
            issuer=ISSUER, audience=AUDIENCE, jwks_file=jwks_file, tenant_claim="org", leeway_s=0
        )
    )
    exp = int(time.time()) + 1
    token = rsa_signer.token(exp=exp)
    assert v.verify(token).tenant == "acme"
    assert v.verify(token).tenant == "acme"  # remembered
    while time.time() <= exp + 0.05:
        time.sleep(0.05)
    with pytest.raises(Unauthenticated, match="expired"):
        v.verify(token)


def test_a_remembered_token_skips_the_key_lookup(
    jwks_file: Path, verifier: JwtVerifier, rsa_signer: Signer, ec_signer: Signer
) -> None:
    token = rsa_signer.token()
    first = verifier.verify(token)
    # The RSA key leaves the JWKS: new tokens signed with it are refused at once, the
    # one already verified is trusted until it expires (at most TOKEN_CACHE_S).
    jwks_file.write_text(json.dumps(jwks(ec_signer)))
    st = jwks_file.stat()
    os.utime(jwks_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert verifier.verify(token) is first
    with pytest.raises(Unauthenticated, match="unknown key"):
        verifier.verify(rsa_signer.token(sub="someone-else"))


@pytest.mark.parametrize("document", [{"keys": []}, {"nothing": "here"}, ["not", "an", "object"]])
def test_a_jwks_url_without_usable_keys_fails_closed(document: Any, rsa_signer: Signer) -> None:
    s = JwksServer(document)
    try:
        with pytest.raises(Unauthenticated, match="could not be fetched"):
            _url_verifier(s.url).verify(rsa_signer.token())
    finally:
        s.stop()
