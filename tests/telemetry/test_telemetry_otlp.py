"""OTLP over HTTP to a real receiver on localhost, decoded with opentelemetry-proto."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from observed_agents import make_agent
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from keel.engine import LocalEngine
from keel.telemetry import Telemetry, TelemetryConfig

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@dataclass
class Receiver:
    """What an OTLP/HTTP collector received, per path."""

    url: str
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def spans(self) -> list[Any]:
        out = []
        for path, _, body in self.requests:
            if path == "/v1/traces":
                req = ExportTraceServiceRequest()
                req.ParseFromString(body)
                for rs in req.resource_spans:
                    for ss in rs.scope_spans:
                        out.extend(ss.spans)
        return out

    def metric_names(self) -> set[str]:
        names = set()
        for path, _, body in self.requests:
            if path == "/v1/metrics":
                req = ExportMetricsServiceRequest()
                req.ParseFromString(body)
                for rm in req.resource_metrics:
                    for sm in rm.scope_metrics:
                        names.update(m.name for m in sm.metrics)
        return names


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got: list[tuple[str, dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            got.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", got)
    server.shutdown()
    server.server_close()
    thread.join()


def _attrs(span: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in span.attributes:
        value = kv.value
        out[kv.key] = getattr(value, value.WhichOneof("value"))
    return out


async def test_spans_and_metrics_reach_an_otlp_http_receiver(receiver: Receiver) -> None:
    telemetry = Telemetry(
        TelemetryConfig(
            exporter="otlp",
            endpoint=receiver.url,
            headers={"api-key": "k-123"},
            service_name="helpdesk-prod",
        )
    )
    rec = await LocalEngine(telemetry=telemetry).run(
        make_agent(version="2.0.0"), "route ticket T-1", traceparent=CALLER
    )
    telemetry.shutdown()  # flushes the batch and the last metrics

    assert {path for path, _, _ in receiver.requests} == {"/v1/traces", "/v1/metrics"}
    for _, headers, _ in receiver.requests:
        assert headers["api-key"] == "k-123"
        assert headers["content-type"] == "application/x-protobuf"
    spans = receiver.spans()
    assert sorted(s.name for s in spans) == [
        "chat scripted:default",
        "chat scripted:default",
        "execute_tool lookup",
        "invoke_agent triage",
    ]
    assert {s.trace_id.hex() for s in spans} == {"4bf92f3577b34da6a3ce929d0e0e4736"}
    run = next(s for s in spans if s.name == "invoke_agent triage")
    assert run.parent_span_id.hex() == "00f067aa0ba902b7"
    attrs = _attrs(run)
    assert attrs["gen_ai.agent.name"] == "triage"
    assert attrs["gen_ai.agent.version"] == "2.0.0"
    assert attrs["keel.run.id"] == rec.id
    assert attrs["gen_ai.usage.input_tokens"] == rec.input_tokens
    req = ExportTraceServiceRequest()
    req.ParseFromString(next(b for p, _, b in receiver.requests if p == "/v1/traces"))
    resource = {kv.key: kv.value.string_value for kv in req.resource_spans[0].resource.attributes}
    assert resource["service.name"] == "helpdesk-prod"
    assert {
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.duration",
        "keel.runs",
    } <= receiver.metric_names()


async def test_spans_reach_an_otlp_grpc_receiver() -> None:
    from concurrent.futures import ThreadPoolExecutor

    import grpc
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceResponse,
    )
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceResponse,
    )

    got: list[tuple[ExportTraceServiceRequest, dict[str, str]]] = []
    metrics: list[ExportMetricsServiceRequest] = []

    class Traces(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request: Any, context: Any) -> ExportTraceServiceResponse:
            got.append((request, dict(context.invocation_metadata())))
            return ExportTraceServiceResponse()

    class Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
        def Export(self, request: Any, context: Any) -> ExportMetricsServiceResponse:
            metrics.append(request)
            return ExportMetricsServiceResponse()

    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Traces(), server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(Metrics(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        telemetry = Telemetry(
            TelemetryConfig(
                exporter="otlp",
                protocol="grpc",
                endpoint=f"http://127.0.0.1:{port}",
                headers={"x-api-key": "g-1"},
            )
        )
        await LocalEngine(telemetry=telemetry).run(make_agent(), "route ticket T-1")
        telemetry.shutdown()
    finally:
        server.stop(None)
    names = sorted(
        span.name
        for request, _ in got
        for rs in request.resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    )
    assert names == [
        "chat scripted:default",
        "chat scripted:default",
        "execute_tool lookup",
        "invoke_agent triage",
    ]
    assert got[0][1]["x-api-key"] == "g-1"
    exported = {
        m.name for r in metrics for rm in r.resource_metrics for sm in rm.scope_metrics
        for m in sm.metrics
    }  # fmt: skip
    assert "gen_ai.client.token.usage" in exported


def test_the_console_exporter_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    from keel.telemetry._telemetry import _otlp_url

    config = TelemetryConfig(exporter="otlp", endpoint="https://otlp.example.com/v1/traces")
    assert _otlp_url(config, "metrics") == "https://otlp.example.com/v1/metrics"
    assert _otlp_url(config, "traces") == "https://otlp.example.com/v1/traces"

    console = Telemetry(TelemetryConfig(exporter="console"))
    assert console.tracing
    console.start_span("hello", parent=None).end()
    console.shutdown()
    captured = capsys.readouterr()
    assert captured.out == ""  # stdout belongs to the command (`keel run --json`)
    assert '"name": "hello"' in captured.err
