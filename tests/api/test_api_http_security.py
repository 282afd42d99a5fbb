"""Authentication on by default, roles per route, rate limits, body size limits, and
the one error envelope every failure uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Api, make_settings, open_api
from keel.api.envelope import STATUS
from keel.errors import ERROR_CODES

VPN = {"input": "My VPN keeps disconnecting"}


def assert_envelope(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "trace_id", "details"}
    assert error["code"] == code
    assert error["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/agents"),
        ("POST", "/v1/agents/helpdesk/runs"),
        ("GET", "/v1/runs"),
        ("GET", "/v1/approvals"),
        ("GET", "/v1/audit/verify"),
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
    ],
)
def test_every_route_needs_credentials(api: Api, method: str, path: str) -> None:
    r = api.client.request(method, path, json={})
    assert r.status_code == 401
    assert_envelope(r.json(), "UNAUTHENTICATED")
    assert r.json()["error"]["trace_id"] == r.headers["x-trace-id"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "keel keys create" in r.json()["error"]["message"]


def test_probes_and_the_openapi_document_need_no_credentials(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"store": True, "agents": True, "engine": True}
    doc = api.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert "security" not in doc["paths"]["/readyz"]["get"]
    assert doc["paths"]["/v1/runs"]["get"]["security"] == [{"bearer": []}, {"apiKey": []}]
    documented = doc["paths"]["/v1/runs/{run_id}/cancel"]["post"]["responses"]
    assert {"401", "403", "404", "409", "429"} <= set(documented)
    assert api.client.get("/docs").status_code == 200


def test_wrong_and_revoked_keys_are_refused(api: Api) -> None:
    r = api.client.get("/v1/agents", headers={"authorization": "Bearer keel_nope"})
    assert r.status_code == 401
    record, key = api.svc.auth.keys.create("acme", ["admin"], actor="test")
    api.svc.auth.keys.revoke(record.id, actor="test")
    api.svc.auth.keys.forget()
    r = api.client.get("/v1/agents", headers={"x-api-key": key})
    assert r.status_code == 401
    assert key not in r.text


def test_roles_decide_what_a_key_may_do(api: Api) -> None:
    viewer = api.headers("acme", "viewer")
    client = api.headers("acme", "client")
    approver = api.headers("acme", "approver")

    r = api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=viewer)
    assert r.status_code == 403
    assert_envelope(r.json(), "FORBIDDEN")
    run = api.client.post("/v1/agents/helpdesk/runs", json=VPN, headers=client).json()
    assert api.client.get(f"/v1/runs/{run['run_id']}", headers=viewer).status_code == 200
    assert api.client.post(f"/v1/runs/{run['run_id']}/cancel", headers=client).status_code == 403
    assert api.client.get("/v1/audit/records", headers=client).status_code == 403
    assert api.client.get("/v1/approvals", headers=approver).status_code == 200
    assert api.client.post("/v1/agents/echo/runs", json=VPN, headers=approver).status_code == 403


def test_invalid_bodies_get_input_invalid_with_what_to_fix(api: Api) -> None:
    auth = api.headers()
    r = api.client.post("/v1/agents/helpdesk/runs", json={"inptu": "x"}, headers=auth)
    assert r.status_code == 422
    assert_envelope(r.json(), "INPUT_INVALID")
    locations = [p["location"] for p in r.json()["error"]["details"]["problems"]]
    assert "body.input" in locations
    assert "body.inptu" in locations
    r = api.client.post(
        "/v1/agents/helpdesk/runs",
        content=b"{not json",
        headers={**auth, "content-type": "application/json"},
    )
    assert r.status_code == 422
    assert_envelope(r.json(), "INPUT_INVALID")
    r = api.client.get("/v1/no/such/route", headers=auth)
    assert r.status_code == 404
    assert_envelope(r.json(), "NOT_FOUND")


@pytest.fixture
def limited(tmp_path: Path, offline: None) -> Iterator[Api]:
    settings = make_settings(tmp_path).model_copy(
        update={
            "api_rate_limit_per_s": 1.0,
            "api_rate_limit_burst": 3,
            "api_max_request_bytes": 2048,
        }
    )
    yield from open_api(settings)


def test_a_key_over_its_rate_gets_rate_limited_with_retry_after(limited: Api) -> None:
    auth = limited.headers()
    other = limited.headers("acme", "viewer")
    codes = [limited.client.get("/v1/agents", headers=auth).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = limited.client.get("/v1/agents", headers=auth)
    assert_envelope(r.json(), "RATE_LIMITED")
    assert int(r.headers["retry-after"]) >= 1
    # Buckets are per key: another key is unaffected.
    assert limited.client.get("/v1/agents", headers=other).status_code == 200


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(limited: Api) -> None:
    auth = limited.headers()
    r = limited.client.post("/v1/agents/echo/runs", json={"input": "x" * 4096}, headers=auth)
    assert r.status_code == 422
    assert_envelope(r.json(), "INPUT_INVALID")
    assert r.json()["error"]["details"] == {"max_bytes": 2048}
    assert r.headers["x-trace-id"]


def test_every_error_code_has_one_http_status() -> None:
    assert set(STATUS) == set(ERROR_CODES)
    assert STATUS["UNAUTHENTICATED"] == 401
    assert STATUS["RATE_LIMITED"] == 429
    assert STATUS["NOT_FOUND"] == 404


def test_cors_is_off_unless_configured(api: Api, tmp_path: Path, offline: None) -> None:
    r = api.client.options(
        "/v1/agents",
        headers={"origin": "https://evil.example", "access-control-request-method": "GET"},
    )
    assert "access-control-allow-origin" not in r.headers
    settings = make_settings(tmp_path / "cors").model_copy(
        update={"api_cors_origins": ["https://console.example"]}
    )
    for opened in open_api(settings):
        r = opened.client.options(
            "/v1/agents",
            headers={
                "origin": "https://console.example",
                "access-control-request-method": "GET",
            },
        )
        assert r.headers["access-control-allow-origin"] == "https://console.example"
