"""Reversible tokenization: the ``Vault`` seam and the ``Tokenizer`` that uses it.

A token looks like ``⟦card:tok_5e0c1d2a9b7f3e64⟧``. The brackets (U+27E6, U+27E7) do
not occur in ordinary text, so tokens are found again without false positives and
survive a model quoting them back. The hex part is an HMAC-SHA256 of the type and the
canonical value under the tokenizer's key, so:

* within one tokenizer (one run or session) the same value always gets the same token,
  and the model can see that two mentions are the same card;
* a token says nothing about its value: without the key it cannot be recomputed, and
  the key never leaves the tokenizer;
* the type is part of what is stored, so a token whose type label was altered
  (``⟦card:…⟧`` turned into ``⟦email:…⟧``) does not resolve.

The vault only maps token to value. Keep it as long as the tokens it issued may come
back: a run that resumes after a crash needs a vault that survived the crash
(``keel.store.vault.StoreVault`` satisfies the protocol without importing this module).

Tokens belong to a tenant. The engine runs each run inside ``vault_scope(tenant)``;
within it a token's hex part is keyed by the tenant too (the same card yields
different tokens for two tenants) and the vault stores and looks it up under that
scope, so a token of tenant A that reaches tenant B's run is not revealed there.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, MutableMapping
from contextvars import ContextVar, Token
from functools import lru_cache
from typing import Any, Final, Protocol, runtime_checkable

from keel.errors import UserError
from keel.governance.pii._finding import Finding
from keel.governance.pii._operators import KeyedDigest, pseudonym

TOKEN_OPEN: Final = "\u27e6"
TOKEN_CLOSE: Final = "\u27e7"
TOKEN_HEX_LENGTH: Final = 16
_TYPE_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")
_TOKEN: Final = re.compile(
    rf"{TOKEN_OPEN}({_TYPE_NAME.pattern}):tok_([0-9a-f]{{{TOKEN_HEX_LENGTH}}}){TOKEN_CLOSE}"
)


_SCOPE: ContextVar[str] = ContextVar("keel_pii_vault_scope", default="")


def token_handles(text: str) -> list[str]:
    """The vault handles (``card:tok_…``) of the tokens in ``text``, in order."""
    if TOKEN_OPEN not in text:
        return []
    return [f"{m.group(1)}:tok_{m.group(2)}" for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=256)
def _names_a_token(pii_type: str) -> bool:
    # Detectors report a handful of types: each is checked once, not once a value.
    return _TYPE_NAME.fullmatch(pii_type) is not None


class vault_scope:
    """The tenant whose tokens are issued and revealed in this context (a run).

    A context manager, sync or async; ``None`` or ``""`` is the scope of no tenant.
    Tasks started inside inherit it (``contextvars``).
    """

    __slots__ = ("_tenant", "_token")

    def __init__(self, tenant: str | None) -> None:
        self._tenant = tenant or ""
        self._token: Token[str] | None = None

    def __enter__(self) -> str:
        self._token = _SCOPE.set(self._tenant)
        return self._tenant

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _SCOPE.reset(self._token)
            self._token = None

    async def __aenter__(self) -> str:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__()


def current_vault_scope() -> str:
    """The tenant of the enclosing :class:`vault_scope` (``""``: none)."""
    return _SCOPE.get()


@runtime_checkable
class Vault(Protocol):
    """Storage for tokenized values, keyed by ``(scope, handle)``: the tenant the token
    was issued for (``""``: none) and the token's ``type:tok_hex`` handle.

    ``put`` is called every time a value is tokenized (the same handle may be put
    again with the same value); ``get`` returns ``None`` for a handle unknown in
    ``scope`` — a handle issued for another tenant included.
    """

    def put(self, handle: str, value: str, *, scope: str = "") -> None: ...

    def get(self, handle: str, *, scope: str = "") -> str | None: ...


class MappingVault:
    """A vault over any ``MutableMapping[str, str]``: a dict, a ``shelve``, a mapping
    view of a table. The first value stored under a handle is kept. A scoped handle is
    kept under its scope and the handle joined by U+001F."""

    def __init__(self, mapping: MutableMapping[str, str]) -> None:
        self._mapping = mapping

    def put(self, handle: str, value: str, *, scope: str = "") -> None:
        self._mapping.setdefault(_scoped(handle, scope), value)

    def get(self, handle: str, *, scope: str = "") -> str | None:
        return self._mapping.get(_scoped(handle, scope))

    def __len__(self) -> int:
        return len(self._mapping)


def _scoped(handle: str, scope: str) -> str:
    return f"{scope}\x1f{handle}" if scope else handle


class InMemoryVault(MappingVault):
    """A vault in a dict, for one process: tokens die with it."""

    def __init__(self) -> None:
        super().__init__({})


class Tokenizer:
    """Issues tokens into a vault and resolves them for callers allowed to see a type.

    ``key`` (32 random bytes by default) makes tokens unguessable; pass the same key
    and vault to keep tokens stable across processes, e.g. for a resumed run. Tokens
    are issued and resolved in the current :class:`vault_scope` (tenant).
    Raises :class:`~keel.errors.UserError` for a key shorter than 16 bytes.
    """

    def __init__(self, vault: Vault | None = None, *, key: bytes | None = None) -> None:
        if key is not None and len(key) < 16:
            raise UserError("a tokenization key must be at least 16 bytes")
        self.vault: Vault = vault if vault is not None else InMemoryVault()
        self._digest = KeyedDigest(key if key is not None else secrets.token_bytes(32))

    def tokenize(self, finding: Finding) -> str:
        """The token for ``finding``'s value, which is stored in the vault."""
        scope = _SCOPE.get()
        handle = self._handle(finding.type, finding.identity, scope)
        self.vault.put(handle, finding.text, scope=scope)
        return f"{TOKEN_OPEN}{handle}{TOKEN_CLOSE}"

    def detokenize(self, text: str, allowed_types: Collection[str]) -> str:
        """``text`` with every token of an allowed type replaced by its value.

        Tokens of other types, and tokens this vault does not know (forged, altered,
        from another session or another tenant's scope), are left exactly as they are.
        """
        if TOKEN_OPEN not in text or not allowed_types:
            return text
        scope = _SCOPE.get()

        def restore(m: re.Match[str]) -> str:
            if m.group(1) not in allowed_types:
                return m.group()
            value = self.vault.get(f"{m.group(1)}:tok_{m.group(2)}", scope=scope)
            return m.group() if value is None else value

        return _TOKEN.sub(restore, text)

    def detokenize_json(self, value: Any, allowed_types: Collection[str]) -> Any:
        """``value`` (JSON-like: dicts, lists, scalars) with tokens restored in every
        string, keys included. Inputs are not modified."""
        if isinstance(value, str):
            return self.detokenize(value, allowed_types)
        if isinstance(value, dict):
            return {
                self.detokenize(k, allowed_types) if isinstance(k, str) else k: (
                    self.detokenize_json(v, allowed_types)
                )
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.detokenize_json(v, allowed_types) for v in value]
        return value

    def _handle(self, pii_type: str, identity: str, scope: str = "") -> str:
        if not _names_a_token(pii_type):
            raise UserError(
                f"PII type {pii_type!r} cannot name a token: use lower-case letters, "
                "digits and '_', starting with a letter, at most 32 characters"
            )
        # Scoped: keyed by the tenant too, so tenants cannot correlate their tokens.
        keyed = f"{scope}\x00{identity}" if scope else identity
        return f"{pii_type}:tok_{pseudonym(pii_type, keyed, self._digest, TOKEN_HEX_LENGTH)}"
