"""``TelemetryConfig``: what to export, where, and whether message content is captured."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from keel.errors import ConfigError

if TYPE_CHECKING:
    from keel.config import Settings
    from keel.telemetry._telemetry import Telemetry

Exporter = Literal["none", "otlp", "console"]
Protocol = Literal["http/protobuf", "grpc"]
EXPORTERS: tuple[Exporter, ...] = ("none", "otlp", "console")
PROTOCOLS: tuple[Protocol, ...] = ("http/protobuf", "grpc")


@dataclass(frozen=True, slots=True, kw_only=True)
class TelemetryConfig:
    """How one Keel process reports traces and metrics.

    ``exporter`` sends spans and metrics: ``otlp`` (over ``protocol`` to ``endpoint``,
    with ``headers``, e.g. a vendor's API key), ``console`` (stdout, for development)
    or ``none``. ``prometheus`` keeps the metrics for a ``/metrics`` scrape as well
    (``keel serve`` turns it on). ``capture_content`` records prompts, answers and
    tool arguments on spans, masked with the agent's PII rules for the ``span``
    destination; off, spans carry no message content at all.
    """

    exporter: Exporter = "none"
    protocol: Protocol = "http/protobuf"
    endpoint: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    service_name: str = "keel"
    capture_content: bool = False
    prometheus: bool = False
    metrics_interval_s: float = 60.0

    def __post_init__(self) -> None:
        if self.exporter not in EXPORTERS:
            raise ConfigError(
                f"telemetry exporter {self.exporter!r} is not one of {', '.join(EXPORTERS)}"
            )
        if self.protocol not in PROTOCOLS:
            raise ConfigError(
                f"telemetry protocol {self.protocol!r} is not one of {', '.join(PROTOCOLS)}"
            )
        if self.metrics_interval_s <= 0:
            raise ConfigError("telemetry metrics_interval_s must be > 0")

    @property
    def enabled(self) -> bool:
        """Whether anything is recorded at all (``False``: the engine skips telemetry)."""
        return self.exporter != "none" or self.prometheus

    @property
    def tracing(self) -> bool:
        """Spans are only made when something exports them."""
        return self.exporter != "none"

    def start(self) -> Telemetry | None:
        """A ``Telemetry`` for this config, or ``None`` when it records nothing (then
        OpenTelemetry is not imported). ``shutdown`` it when the process ends."""
        if not self.enabled:
            return None
        from keel.telemetry._telemetry import Telemetry

        return Telemetry(self)

    @classmethod
    def from_settings(cls, settings: Settings, *, prometheus: bool = False) -> TelemetryConfig:
        """The telemetry the settings configure; ``prometheus`` for a serving process."""
        return cls(
            exporter=settings.telemetry_exporter,
            protocol=settings.telemetry_protocol,
            endpoint=settings.telemetry_endpoint,
            headers=dict(settings.telemetry_headers),
            service_name=settings.telemetry_service_name,
            capture_content=settings.telemetry_capture_content,
            prometheus=prometheus,
            metrics_interval_s=settings.telemetry_metrics_interval_s,
        )
