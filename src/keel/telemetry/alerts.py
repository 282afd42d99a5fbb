"""Drift alerts and their delivery to webhooks.

Each alert event (``firing`` when it fires, ``cleared`` when it clears) is POSTed
as JSON to every configured URL. With a secret, each request is signed so the
receiver can check it came from Keel and was not replayed::

    X-Keel-Timestamp: 1763731200
    X-Keel-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares
in constant time, and rejects timestamps more than a few minutes old. Delivery is
at most ``attempts`` tries per URL with a short backoff; a URL that keeps failing is
logged (never with the secret) and does not stop the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

AlertStatus = Literal["firing", "cleared"]
SIGNATURE_HEADER = "X-Keel-Signature"
TIMESTAMP_HEADER = "X-Keel-Timestamp"


@dataclass(frozen=True, slots=True)
class Alert:
    """A drift alert: ``agent``'s ``metric`` sat ``sigmas`` deviations from its baseline.

    ``value`` is the window's value that fired it; ``cleared_at`` is set once a later
    window returned within bounds.
    """

    id: str
    agent: str
    metric: str
    status: AlertStatus
    value: float
    baseline_mean: float
    baseline_std: float
    sigmas: float
    fired_at: float
    cleared_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def summary(self) -> str:
        direction = "above" if self.sigmas >= 0 else "below"
        return (
            f"{self.agent}: {self.metric} = {self.value:.4g}, {abs(self.sigmas):.1f}σ {direction} "
            f"its baseline {self.baseline_mean:.4g} (σ {self.baseline_std:.3g})"
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Keel-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass(frozen=True, slots=True)
class Delivery:
    url: str
    ok: bool
    status: int | None = None
    error: str | None = None


class AlertNotifier:
    """POSTs alert events to webhook URLs (``httpx``), signed when given a secret."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        secret: str | None = None,
        timeout_s: float = 5.0,
        attempts: int = 3,
        backoff_s: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.urls = tuple(urls)
        self._secret = secret
        self._timeout_s = timeout_s
        self._attempts = max(1, attempts)
        self._backoff_s = backoff_s
        self._clock = clock

    def __repr__(self) -> str:  # never the secret
        return f"AlertNotifier(urls={list(self.urls)!r}, signed={self._secret is not None})"

    async def send(self, alert: Alert, event: AlertStatus) -> list[Delivery]:
        """Deliver ``event`` of ``alert`` to every URL; one ``Delivery`` per URL."""
        if not self.urls:
            return []
        body = json.dumps(
            {"event": f"keel.drift.{event}", "alert": alert.to_dict(), "summary": alert.summary},
            sort_keys=True,
        ).encode()
        import httpx

        async with httpx.AsyncClient(timeout=self._timeout_s) as client:
            return list(await asyncio.gather(*(self._post(client, u, body) for u in self.urls)))

    async def _post(self, client: httpx.AsyncClient, url: str, body: bytes) -> Delivery:
        import httpx  # imported on first use: `import keel.telemetry` stays light

        last = Delivery(url, ok=False)
        tried = 0
        for attempt in range(self._attempts):
            tried = attempt + 1
            if attempt:
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
            headers = {"content-type": "application/json", "user-agent": "keel-alerts"}
            if self._secret is not None:
                ts = str(int(self._clock()))
                headers[TIMESTAMP_HEADER] = ts
                headers[SIGNATURE_HEADER] = sign(self._secret, ts, body)
            try:
                resp = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError as e:
                last = Delivery(url, ok=False, error=f"{type(e).__name__}: {e}")
                continue
            if resp.status_code < 300:
                return Delivery(url, ok=True, status=resp.status_code)
            last = Delivery(url, ok=False, status=resp.status_code)
            if resp.status_code < 500 and resp.status_code != 429:
                break  # the receiver refuses this request: retrying will not help
        log.warning(
            "alert webhook %s failed after %d attempt(s): %s",
            url,
            tried,
            last.error or f"HTTP {last.status}",
        )
        return last
