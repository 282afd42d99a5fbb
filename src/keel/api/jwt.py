"""OIDC/JWT bearer tokens: verify a token against a JWKS and map its claims to a principal.

Optional: on when ``jwt_jwks_url`` or ``jwt_jwks_file`` is set. PyJWT (the ``serve``
extra) is imported only then. A token is accepted when its signature verifies with
the JWKS key named by its ``kid`` under an allowed asymmetric algorithm, its ``iss``
and ``aud`` are the configured ones, and ``exp`` (required), ``nbf`` and ``iat`` hold
within ``leeway_s``. ``none`` and ``HS*`` are never accepted: a JWKS publishes
public keys, and an HMAC "verified" with a public key proves nothing.

Claims map to a ``Principal``: id ``jwt:<sub>``, tenant from ``tenant_claim``
(required), roles from ``roles_claim`` with roles Keel does not know dropped.

JWKS from a URL are cached for ``jwks_cache_s`` and refetched early at most once per
``refresh_cooldown_s`` when a token names an unknown ``kid`` (key rotation), so
tokens with made-up ``kid`` values cannot make Keel hammer the identity provider.
A JWKS file is re-read when its modification time changes. A verified token is
remembered (by hash) until it expires, for at most ``TOKEN_CACHE_S``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from keel.api.keys import ROLES, Role
from keel.config import Settings
from keel.errors import ConfigError, Unauthenticated
from keel.governance.policy import Principal

if TYPE_CHECKING:
    from jwt import PyJWK, PyJWKClient

log = logging.getLogger(__name__)

# Asymmetric algorithms a JWKS can serve. Never "none", never HS*.
ASYMMETRIC: Final = frozenset(
    {
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
    }
)
_MAX_TOKEN_CHARS: Final = 16_384
# A verified token is trusted again without a signature check for at most this long.
TOKEN_CACHE_S: Final = 60.0
_MAX_CACHED: Final = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class JwtConfig:
    """How bearer tokens are verified. Exactly one of ``jwks_url`` and ``jwks_file``."""

    issuer: str
    audience: str
    jwks_url: str | None = None
    jwks_file: Path | None = None
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    leeway_s: float = 30.0
    tenant_claim: str = "tenant"
    roles_claim: str = "roles"
    jwks_cache_s: float = 300.0
    refresh_cooldown_s: float = 30.0
    timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ConfigError("JWT needs exactly one of jwt_jwks_url and jwt_jwks_file")
        if not self.issuer or not self.audience:
            raise ConfigError(
                "JWT bearer tokens need jwt_issuer and jwt_audience: without them any token "
                "signed by the provider, for any application, would be accepted"
            )
        bad = [a for a in self.algorithms if a not in ASYMMETRIC]
        if bad or not self.algorithms:
            raise ConfigError(
                f"jwt_algorithms {list(self.algorithms)} may only name asymmetric algorithms: "
                f"{', '.join(sorted(ASYMMETRIC))} ('none' and HS* are refused)"
            )
        if not self.tenant_claim or not self.roles_claim:
            raise ConfigError("jwt_tenant_claim and jwt_roles_claim must name claims")
        if self.leeway_s < 0:
            raise ConfigError("jwt_leeway_s must be >= 0")

    @classmethod
    def from_settings(cls, settings: Settings) -> JwtConfig | None:
        """The settings' JWT configuration; ``None`` when no JWKS is configured."""
        if settings.jwt_jwks_url is None and settings.jwt_jwks_file is None:
            return None
        return cls(
            issuer=settings.jwt_issuer or "",
            audience=settings.jwt_audience or "",
            jwks_url=settings.jwt_jwks_url,
            jwks_file=settings.jwt_jwks_file,
            algorithms=tuple(settings.jwt_algorithms),
            leeway_s=settings.jwt_leeway_s,
            tenant_claim=settings.jwt_tenant_claim,
            roles_claim=settings.jwt_roles_claim,
        )


def looks_like_jwt(token: str) -> bool:
    """Whether ``token`` has a JWS compact shape (three dot-separated parts)."""
    return token.count(".") == 2


class JwtVerifier:
    """Verifies bearer tokens; ``verify(token) -> Principal``. Thread-safe."""

    def __init__(self, config: JwtConfig) -> None:
        try:
            import jwt
        except ImportError as e:  # pragma: no cover - the serve extra is installed in dev
            raise ConfigError("JWT bearer tokens need PyJWT: pip install 'keel[serve]'") from e
        self.config = config
        self._jwt = jwt
        self._keys = _JwksFile(config.jwks_file) if config.jwks_file else _JwksUrl(config)
        self._leeway = config.leeway_s
        self._options: Any = {"require": ["exp", "iss", "aud", "sub"]}
        self._verified: dict[bytes, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> JwtVerifier | None:
        config = JwtConfig.from_settings(settings)
        return None if config is None else cls(config)

    def verify(self, token: str) -> Principal:
        """The principal a valid token names. Raises ``Unauthenticated`` saying why not.

        A verified token is remembered (by its SHA-256) until it expires, for at most
        ``TOKEN_CACHE_S``: a client reusing its token pays one hash, not a signature
        check and a claims parse (about 250 µs).
        """
        if len(token) > _MAX_TOKEN_CHARS:
            raise Unauthenticated("bearer token too long")
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = time.time()
        hit = self._verified.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        principal, exp = self._verify(token)
        until = min(exp + self._leeway, now + TOKEN_CACHE_S)
        with self._lock:
            if len(self._verified) >= _MAX_CACHED:
                for d in [d for d, (_, u) in self._verified.items() if u <= now]:
                    del self._verified[d]
                for d in list(self._verified)[: len(self._verified) - _MAX_CACHED * 9 // 10]:
                    del self._verified[d]
            self._verified[digest] = (principal, until)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        jwt = self._jwt
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed bearer token: not a JWT") from None
        alg = header.get("alg")
        if alg not in self.config.algorithms:
            raise Unauthenticated(
                f"token algorithm {alg!r} is not accepted: use one of "
                f"{', '.join(self.config.algorithms)}"
            )
        key = self._keys.key(header.get("kid"))
        if key.algorithm_name != alg:
            raise Unauthenticated(
                f"token algorithm {alg!r} does not match its key's ({key.algorithm_name})"
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self._leeway,
                options=self._options,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated(
                "token expired: get a new one from your identity provider"
            ) from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(
                f"token audience is not {self.config.audience!r}: request a token for this API"
            ) from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(
                f"token issuer is not {self.config.issuer!r}: use a token from that issuer"
            ) from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("token not valid yet (nbf or iat in the future)") from None
        except jwt.MissingRequiredClaimError as e:
            raise Unauthenticated(f"token has no {e.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("token signature does not verify") from None
        except jwt.PyJWTError as e:
            raise Unauthenticated(f"invalid token: {str(e)[:200]}") from None
        return self.principal(claims), float(claims["exp"])

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        """Map verified claims to a principal (tenant required, unknown roles dropped)."""
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise Unauthenticated("token has no subject ('sub' claim)")
        tenant = claim(claims, self.config.tenant_claim)
        if not isinstance(tenant, str) or not tenant or len(tenant) > 128:
            raise Unauthenticated(
                f"token names no tenant: its {self.config.tenant_claim!r} claim must be a "
                "non-empty string (jwt_tenant_claim)"
            )
        return Principal(f"jwt:{sub}", roles(claim(claims, self.config.roles_claim)), tenant)


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """``claims[name]``; a dotted ``name`` absent as such reaches into nested objects.

    Namespaced claims such as ``https://example.com/roles`` are found whole first.
    """
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def roles(value: Any) -> tuple[Role, ...]:
    """Keel's roles in a roles claim (a list, or a space- or comma-separated string)."""
    if isinstance(value, str):
        items: list[Any] = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return ()
    out: list[Role] = []
    for item in items:
        if item in ROLES and item not in out:
            out.append(item)
    return tuple(out)


class _JwksUrl:
    """Signing keys from a JWKS URL, through PyJWKClient's cache."""

    def __init__(self, config: JwtConfig) -> None:
        from jwt import PyJWKClient

        assert config.jwks_url is not None
        self._client: PyJWKClient = PyJWKClient(
            config.jwks_url,
            cache_jwk_set=True,
            lifespan=config.jwks_cache_s,
            timeout=config.timeout_s,
        )
        self._cooldown = config.refresh_cooldown_s
        self._refreshed_at = -float("inf")
        self._lock = threading.Lock()

    def key(self, kid: Any) -> PyJWK:
        from jwt import PyJWTError

        try:
            found = _match(self._client.get_jwk_set().keys, kid)
            if found is None:
                with self._lock:
                    if time.monotonic() - self._refreshed_at >= self._cooldown:
                        self._refreshed_at = time.monotonic()
                        found = _match(self._client.get_jwk_set(refresh=True).keys, kid)
        except PyJWTError as e:
            # Fail closed: no keys (unreachable, not JSON, no usable key), no token accepted.
            log.warning("could not fetch the JWKS: %s", e)
            raise Unauthenticated(
                "the identity provider's signing keys could not be fetched; try again later"
            ) from None
        return _found(found, kid)


class _JwksFile:
    """Signing keys from a JWKS file, re-read when it changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._mtime: int | None = None
        self._keys: list[PyJWK] = []
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        from jwt import PyJWKSet, PyJWTError

        try:
            mtime = self._path.stat().st_mtime_ns
            if mtime == self._mtime:
                return
            data = json.loads(self._path.read_text(encoding="utf-8"))
            keys = PyJWKSet.from_dict(data).keys
        except (OSError, ValueError, PyJWTError) as e:
            raise ConfigError(f"jwt_jwks_file {self._path}: not a readable JWKS ({e})") from e
        self._keys, self._mtime = keys, mtime

    def key(self, kid: Any) -> PyJWK:
        # One stat per lookup (lookups happen only for tokens not yet verified): a key
        # removed from the file is refused from then on. A file caught mid-write keeps
        # the last good keys.
        with self._lock:
            try:
                self._load()
            except ConfigError as e:
                log.warning("%s; keeping the keys read before", e.message)
        return _found(_match(self._keys, kid), kid)


def _match(keys: list[PyJWK], kid: Any) -> PyJWK | None:
    signing = [
        k for k in keys if k.public_key_use in ("sig", None) and k.algorithm_name in ASYMMETRIC
    ]
    if kid is None:
        # No kid: acceptable only when the set leaves no choice.
        return signing[0] if len(signing) == 1 else None
    return next((k for k in signing if k.key_id == kid), None)


def _found(key: PyJWK | None, kid: Any) -> PyJWK:
    if key is None:
        if kid is None:
            raise Unauthenticated("token has no 'kid' header and the JWKS has several keys")
        raise Unauthenticated(f"token signed by an unknown key (kid {str(kid)[:64]!r})")
    return key
