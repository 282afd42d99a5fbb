"""Places outside the database that audit data is sent to: a file or a webhook.

Checkpoints are published to them so a truncated log can be caught later, and the
forwarder streams records to them for a SIEM. Both sinks either deliver the whole
batch or raise ``DeliveryError``; callers retry, which makes delivery at least once.

* ``FileSink`` appends lines and fsyncs before returning (a failed batch leaves no part).
* ``WebhookSink`` POSTs a JSON body and accepts only a 2xx answer.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import httpx

from keel.audit.redact import is_secret_key
from keel.errors import ConfigError, KeelError


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
    """Appends each item's text and a line break to ``path`` (created with its folder if
    absent); an item may be several lines (CEF: one per event of a ``run.events`` record)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def name(self) -> str:
        return f"file:{self.path}"

    def deliver(self, lines: Sequence[str], documents: Sequence[Any]) -> None:
        if not lines:
            return
        data = "".join(line + "\n" for line in lines).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as e:
            raise DeliveryError(f"cannot append to {self.path}: {e.strerror}") from None
        written = 0
        try:
            start = os.fstat(fd).st_size
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        except OSError as e:
            if written:
                # A disk that fills up half-way keeps half a batch: its last line, cut
                # short, would have the next batch's first line glued to it, and a reader
                # lose both (or, for checkpoints, reject the whole file). Take it back.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
            raise DeliveryError(f"cannot append to {self.path}: {e.strerror}") from None
        finally:
            os.close(fd)

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
        self.url = webhook_url(url)
        self._client = httpx.Client(timeout=timeout_s, headers=headers, transport=transport)

    @property
    def name(self) -> str:
        """The URL as messages and logs show it (``shown_url``)."""
        return shown_url(self.url)

    def deliver(self, lines: Sequence[str], documents: Sequence[Any]) -> None:
        if not documents:
            return
        try:
            response = self._client.post(self.url, json={"items": list(documents)})
        except httpx.HTTPError as e:
            raise DeliveryError(f"POST {self.name} failed: {e}") from None
        if not response.is_success:
            raise DeliveryError(f"POST {self.name} answered {response.status_code}")

    def close(self) -> None:
        self._client.close()


def webhook_url(url: str) -> str:
    """``url``, checked to be an http(s) URL with a host; raises ``ConfigError`` otherwise.

    Checked once, here: a URL that httpx cannot parse would otherwise raise from each
    ``deliver`` (``httpx.InvalidURL``, not a delivery failure).
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        raise ConfigError(f"webhook URL {shown_url(url)!r} is not a URL: {e}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(
            f"webhook URL must start with http:// or https:// and a host: {shown_url(url)!r}"
        )
    return url


def shown_url(url: str) -> str:
    """``url`` fit for messages and logs: its password, and the values of query
    parameters named like secrets (``token``, ``api_key``…), replaced by ``***``.

    A webhook URL often carries its credential; delivery errors are logged.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # not even a URL: show no part of it
        return "<not a URL>"
    userinfo, at, host = parts.netloc.rpartition("@")
    if ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    query = "&".join(
        f"{name}={'***' if is_secret_key(unquote_plus(name)) else value}" if eq else name
        for name, eq, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit(parts._replace(netloc=userinfo + at + host, query=query))


def sink_for(target: str, *, timeout_s: float = 10.0) -> FileSink | WebhookSink:
    """``http(s)://…`` is a webhook; ``file:PATH`` or a plain path is a file."""
    if target.startswith(("http://", "https://")):
        return WebhookSink(target, timeout_s=timeout_s)
    return FileSink(Path(target.removeprefix("file:")).expanduser())
