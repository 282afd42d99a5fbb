"""Alert webhooks: JSON to a real receiver, HMAC-signed, retried on server errors."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from webhook_receiver import webhook_receiver

from keel.telemetry import Alert, AlertNotifier, sign

ALERT = Alert(
    id="alr_1",
    agent="helpdesk",
    metric="latency_s",
    status="firing",
    value=1.25,
    baseline_mean=0.25,
    baseline_std=0.05,
    sigmas=20.0,
    fired_at=1_763_730_000.0,
)


async def test_a_signed_alert_reaches_every_webhook() -> None:
    with webhook_receiver() as a, webhook_receiver() as b:
        notifier = AlertNotifier([a.url, b.url], secret="s3cret", clock=lambda: 1_763_730_001.0)
        deliveries = await notifier.send(ALERT, "firing")
    assert [d.ok for d in deliveries] == [True, True]
    for hook in (a, b):
        ((headers, body),) = hook.received
        assert headers["content-type"] == "application/json"
        assert headers["x-keel-timestamp"] == "1763730001"
        expected = hmac.new(b"s3cret", b"1763730001." + body, hashlib.sha256).hexdigest()
        assert headers["x-keel-signature"] == f"sha256={expected}"
        assert headers["x-keel-signature"] == sign("s3cret", "1763730001", body)
        (event,) = hook.events()
        assert event["event"] == "keel.drift.firing"
        assert event["alert"] == ALERT.to_dict()
        assert event["summary"] == (
            "helpdesk: latency_s = 1.25, 20.0σ above its baseline 0.25 (σ 0.05)"
        )
    assert "s3cret" not in repr(notifier)


async def test_server_errors_are_retried_and_refusals_are_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with webhook_receiver([503, 500]) as flaky, webhook_receiver([400]) as refusing:
        notifier = AlertNotifier([flaky.url, refusing.url], backoff_s=0.01)
        ok, refused = await notifier.send(ALERT, "cleared")
    assert ok.ok
    assert ok.status == 200
    assert len(flaky.received) == 3
    assert not refused.ok
    assert refused.status == 400
    assert len(refusing.received) == 1
    assert "x-keel-signature" not in flaky.received[0][0]  # no secret, no signature
    assert "failed after 1 attempt" in caplog.text


async def test_an_unreachable_webhook_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with webhook_receiver() as hook:
        url = hook.url
    (delivery,) = await AlertNotifier([url], attempts=2, backoff_s=0.01).send(ALERT, "firing")
    assert not delivery.ok
    assert delivery.error is not None
    assert "failed after 2 attempt" in caplog.text
