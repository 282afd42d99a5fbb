"""Places outside the database that audit data is sent to: a file or a webhook.

Checkpoints are published to them so a truncated log can be caught later, and the
forwarder streams records to them for a SIEM. Both sinks either deliver the whole
batch or raise ``DeliveryError``; callers retry, which makes delivery at least once.

* ``FileSink`` appends lines and fsyncs before returning.
* ``WebhookSink`` POSTs a JSON body and accepts only a 2xx answer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx

from keel.errors import KeelError


class DeliveryError(KeelError):
    """A sink did not accept a batch; nothing after it may be marked delivered."""


class AuditSink(Protocol):
    """Where a batch of audit lines goes. ``deliver`` raises ``DeliveryError``."""

    @property
    def name(self) -> str: ...

    def deliver(self, lines: Sequence[str], documents: Sequence[Any]) -> None:
        """Send one batch: ``lines`` (text form) or ``documents`` (JSON form)."""
        ...

    def close(self) -> None: ...


class FileSink:
    """Appends one line per item to ``path`` (created with its folder if absent)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def name(self) -> str:
        return f"file:{self.path}"

    def deliver(self, lines: Sequence[str], documents: Sequence[Any]) -> None:
        if not lines:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            raise DeliveryError(f"cannot append to {self.path}: {e.strerror}") from None

    def close(self) -> None:
        """Nothing is held open between batches."""


class WebhookSink:
    """POSTs ``{"items": [...]}`` as JSON to ``url``; anything but 2xx is a failure."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 10.0,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s): {url!r}")
        self.url = url
        self._client = httpx.Client(timeout=timeout_s, headers=headers, transport=transport)

    @property
    def name(self) -> str:
        return self.url

    def deliver(self, lines: Sequence[str], documents: Sequence[Any]) -> None:
        if not documents:
            return
        try:
            response = self._client.post(self.url, json={"items": list(documents)})
        except httpx.HTTPError as e:
            raise DeliveryError(f"POST {self.url} failed: {e}") from None
        if not response.is_success:
            raise DeliveryError(f"POST {self.url} answered {response.status_code}")

    def close(self) -> None:
        self._client.close()


def sink_for(target: str, *, timeout_s: float = 10.0) -> FileSink | WebhookSink:
    """``http(s)://…`` is a webhook; ``file:PATH`` or a plain path is a file."""
    if target.startswith(("http://", "https://")):
        return WebhookSink(target, timeout_s=timeout_s)
    return FileSink(Path(target.removeprefix("file:")).expanduser())
