"""Who is calling: request credentials to a ``Principal``, and role checks.

Credentials come in one of two headers:

* ``Authorization: Bearer <credential>`` — an API key (``keel_…``) or, when JWT is
  configured, an OIDC/JWT access token;
* ``X-API-Key: <API key>``.

Sending both is refused rather than guessed at. The hot path for an API key is a
few string checks, one dict lookup and one SHA-256 (``ApiKeys.authenticate``).
Errors are ``Unauthenticated`` (HTTP 401, answered with ``WWW-Authenticate``) and
``Forbidden`` (403); their messages say what to send instead.
"""

from __future__ import annotations

from typing import Final

from keel.api.jwt import JwtVerifier, looks_like_jwt
from keel.api.keys import KEY_PREFIX, MALFORMED, ApiKeys, Role
from keel.errors import Forbidden, Unauthenticated
from keel.governance.policy import Principal

# The header value of a 401 answer (RFC 6750).
WWW_AUTHENTICATE: Final = 'Bearer realm="keel"'

CREDENTIALS_REQUIRED = (
    "authentication required: send 'Authorization: Bearer <API key>' or 'X-API-Key: <API key>' "
    "(create a key with `keel keys create --tenant T --role R`)"
)


class Authenticator:
    """Turns a request's credential headers into the principal it acts as."""

    def __init__(self, keys: ApiKeys, *, jwt: JwtVerifier | None = None) -> None:
        self.keys = keys
        self.jwt = jwt

    def authenticate(self, authorization: str | None, x_api_key: str | None = None) -> Principal:
        """The caller's principal. Raises ``Unauthenticated`` saying what is wrong."""
        if authorization:
            if x_api_key:
                raise Unauthenticated(
                    "send one credential, not both: 'Authorization: Bearer …' or 'X-API-Key'"
                )
            scheme, _, credential = authorization.strip().partition(" ")
            credential = credential.strip()
            if scheme.lower() != "bearer" or not credential:
                raise Unauthenticated(
                    "the Authorization header must read 'Bearer <API key or token>'"
                )
            return self.bearer(credential)
        if x_api_key:
            return self.keys.authenticate(x_api_key.strip())
        raise Unauthenticated(CREDENTIALS_REQUIRED)

    def bearer(self, credential: str) -> Principal:
        """The principal of a bearer credential: an API key or a JWT."""
        if credential.startswith(KEY_PREFIX):
            return self.keys.authenticate(credential)
        if looks_like_jwt(credential):
            if self.jwt is None:
                raise Unauthenticated(
                    "JWT bearer tokens are not enabled on this server (set jwt_jwks_url or "
                    "jwt_jwks_file); use an API key"
                )
            return self.jwt.verify(credential)
        raise Unauthenticated(MALFORMED)


def has_role(principal: Principal, *roles: Role) -> bool:
    """Whether ``principal`` holds one of ``roles``; ``admin`` holds them all."""
    held = principal.roles
    return "admin" in held or any(r in held for r in roles)


def require_role(principal: Principal, *roles: Role) -> None:
    """Raise ``Forbidden`` unless ``principal`` holds one of ``roles`` (or ``admin``)."""
    if not has_role(principal, *roles):
        needed = list(dict.fromkeys((*roles, "admin")))
        raise Forbidden(
            f"{principal.id} may not do this: it needs one of the roles {', '.join(needed)} "
            f"(it has {', '.join(principal.roles) or 'none'})",
            details={"required": needed, "held": list(principal.roles)},
        )
