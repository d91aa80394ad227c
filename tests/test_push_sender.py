"""The one seam to push services, against the local fake push service (real encryption, real VAPID)."""

from __future__ import annotations

import pytest

from app.push.keys import generate_private_pem, public_key_of, vapid_keys
from app.push.sender import Outcome, PushMessage, PushSender, Target, classify, retry_after_seconds
from tests.fake_push import FakePushService

MESSAGE = PushMessage(title="Back & Hip Diary", body="Time for today's diary entry", topic="daily")


def sender_for(settings, timeout: float = 5.0) -> PushSender:  # type: ignore[no-untyped-def]
    keys = vapid_keys(settings)
    return PushSender(
        keys=keys, subject=settings.vapid_subject, allowed_hosts=settings.push_allowed_entries, timeout=timeout
    )


def target(subscription: dict) -> Target:
    return Target(subscription["endpoint"], subscription["keys"]["p256dh"], subscription["keys"]["auth"])


def test_a_push_arrives_encrypted_and_signed_and_decrypts_to_the_message(push_settings, fake_push):
    sub = fake_push.subscription()
    result = sender_for(push_settings).send(target(sub), MESSAGE)
    assert result.outcome is Outcome.DELIVERED and result.status == 201
    assert fake_push.rejected == []
    [received] = fake_push.messages_for(sub["endpoint"])
    assert received.payload == {
        "title": "Back & Hip Diary",
        "body": "Time for today's diary entry",
        "url": "/",
        "tag": "daily",
    }
    assert received.claims["aud"] == fake_push.origin and received.claims["sub"] == push_settings.vapid_subject
    assert received.headers["urgency"] == "normal" and received.headers["topic"] == "daily"
    assert 3600 <= int(received.headers["ttl"]) <= 24 * 3600


def test_each_send_gets_fresh_claims_so_audiences_never_leak_between_services(push_settings, fake_push):
    with FakePushService() as other:
        sender = PushSender(
            keys=vapid_keys(push_settings),
            subject=push_settings.vapid_subject,
            allowed_hosts=(fake_push.origin, other.origin),
        )
        first, second = fake_push.subscription(), other.subscription()
        assert sender.send(target(first), MESSAGE).outcome is Outcome.DELIVERED
        assert sender.send(target(second), MESSAGE).outcome is Outcome.DELIVERED
        assert other.messages_for(second["endpoint"])[0].claims["aud"] == other.origin
        assert other.rejected == []


def test_a_key_the_service_does_not_expect_is_refused_there(push_settings, fake_push):
    fake_push.server_key = public_key_of(generate_private_pem())
    result = sender_for(push_settings).send(target(fake_push.subscription()), MESSAGE)
    assert result.outcome is Outcome.CONFIG_ERROR and result.status == 400
    assert "unexpected key" in fake_push.rejected[0]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (404, Outcome.GONE),
        (410, Outcome.GONE),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (400, Outcome.CONFIG_ERROR),
        (401, Outcome.CONFIG_ERROR),
        (403, Outcome.CONFIG_ERROR),
        (413, Outcome.REFUSED),
    ],
)
def test_push_service_answers_become_outcomes(push_settings, fake_push, status, outcome):
    sub = fake_push.subscription()
    fake_push.answer(status, endpoint=sub["endpoint"])
    result = sender_for(push_settings).send(target(sub), MESSAGE)
    assert (result.outcome, result.status) == (outcome, status)


def test_429_carries_retry_after(push_settings, fake_push):
    sub = fake_push.subscription()
    fake_push.answer(429, endpoint=sub["endpoint"], headers={"Retry-After": "120"})
    result = sender_for(push_settings).send(target(sub), MESSAGE)
    assert result.outcome is Outcome.RETRY and result.retry_after == 120


def test_a_timeout_is_retried_later(push_settings, fake_push):
    sub = fake_push.subscription()
    fake_push.answer(201, endpoint=sub["endpoint"], delay=1.0)
    assert sender_for(push_settings, timeout=0.2).send(target(sub), MESSAGE).outcome is Outcome.RETRY


def test_an_unreachable_service_is_retried_later(push_settings):
    sender = PushSender(
        keys=vapid_keys(push_settings), subject=push_settings.vapid_subject, allowed_hosts=("http://127.0.0.1:9",)
    )
    fake_sub = FakePushService().subscription()  # a real-looking subscription; nothing listens on port 9
    sub = target({**fake_sub, "endpoint": "http://127.0.0.1:9/push/x"})
    assert sender.send(sub, MESSAGE).outcome is Outcome.RETRY


def test_an_endpoint_outside_the_allowed_hosts_is_never_contacted(push_settings, fake_push):
    sender = PushSender(keys=vapid_keys(push_settings), subject=push_settings.vapid_subject, allowed_hosts=())
    assert sender.send(target(fake_push.subscription()), MESSAGE).outcome is Outcome.CONFIG_ERROR
    assert fake_push.requests == 0


def test_retry_after_accepts_seconds_and_http_dates():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("30") == 30
    assert retry_after_seconds("Wed, 25 Nov 2026 12:02:00 GMT", now) == 120
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert classify(202).outcome is Outcome.DELIVERED
