"""The one seam to push services, against the local fake push service (real encryption, real VAPID)."""

from __future__ import annotations

import datetime as dt
import logging
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress, filter_host

from app.push.keys import generate_private_pem, public_key_of, vapid_keys
from app.push.sender import Outcome, PushMessage, PushSender, Target, classify, push_session, retry_after_seconds
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


# --- Only public addresses, pinned (requests-hardened's IP filter, see app/push/sender.py) ------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # link-local: cloud metadata services live here
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "0.0.0.0",  # noqa: S104  (unspecified: a table row, not a bind)
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "::1",
        "::",
        "fc00::1",  # unique local
        "fe80::1",  # link-local
        "ff02::1",  # multicast
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    ],
)
def test_internal_addresses_are_refused(address):
    """What the push session refuses before it opens a socket."""
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(InvalidIPAddress):
        push_session(("fcm.googleapis.com",), 2).post(f"https://{literal}/push/x", data=b"{}")


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass_the_filter(address):
    assert filter_host(address, 443, allow_loopback=False) in (address, f"[{address}]", "8.8.8.8")


def test_a_name_entry_resolving_to_loopback_is_a_config_error_logged_by_host_only(push_settings, caplog):
    """`localhost` on the allow-list is a host-name entry, so https://localhost/... passes the
    name check and only the address check stops it. That nothing is contacted is proven with a
    listener in the next test (a name entry only admits port 443, which a test cannot own)."""
    sender = PushSender(
        keys=vapid_keys(push_settings), subject=push_settings.vapid_subject, allowed_hosts=("localhost",)
    )
    endpoint = "https://localhost/push/capability-token-4711"
    sub = target({**FakePushService().subscription(), "endpoint": endpoint})
    caplog.set_level(logging.DEBUG)
    assert sender.send(sub, MESSAGE).outcome is Outcome.CONFIG_ERROR
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.getMessage() == "push endpoint host resolves to an internal address"
    assert record.fields == {"host": "localhost"}  # type: ignore[attr-defined]
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "capability-token-4711" not in logged and "/push/" not in logged


@contextmanager
def tcp_listener() -> Iterator[socket.socket]:
    """A real socket listening on 127.0.0.1 (what `localhost` resolves to) at a free port."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.5)
        yield server


def connections_waiting(server: socket.socket, wait: float = 0.3) -> bool:
    return bool(select.select([server], [], [], wait)[0])


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_the_push_session_never_connects_to_a_loopback_listener(scheme):
    """The sender's session, pointed at a real listener on localhost:<port>: refused, and no
    connection reaches the listener. The control (plain requests) shows the listener would have
    seen one; the port is free rather than 443 because the test cannot own 443."""
    with tcp_listener() as server:
        url = f"{scheme}://localhost:{server.getsockname()[1]}/push/x"
        with pytest.raises(InvalidIPAddress):
            push_session(("localhost",), 2).post(url, data=b"{}")
        assert not connections_waiting(server)
        with pytest.raises(requests.RequestException):  # the control: nobody answers, so it times out
            requests.post(url, data=b"{}", timeout=0.3)
        assert connections_waiting(server)


def test_an_explicit_origin_entry_still_reaches_a_loopback_push_service(push_settings, fake_push):
    sender = PushSender(
        keys=vapid_keys(push_settings),
        subject=push_settings.vapid_subject,
        allowed_hosts=("localhost", fake_push.origin),  # a name entry (filtered) next to the origin entry
    )
    sub = fake_push.subscription()
    assert sender.send(target(sub), MESSAGE).outcome is Outcome.DELIVERED
    assert len(fake_push.messages_for(sub["endpoint"])) == 1 and fake_push.rejected == []


def test_a_redirect_is_never_followed(push_settings, fake_push):
    """A push service answering 307 is not followed (a redirect could point anywhere): the
    message is refused, and the place it pointed to gets nothing."""
    sub = fake_push.subscription()
    elsewhere = fake_push.subscription()
    fake_push.answer(307, endpoint=sub["endpoint"], headers={"Location": elsewhere["endpoint"]})
    sender = PushSender(
        keys=vapid_keys(push_settings), subject=push_settings.vapid_subject, allowed_hosts=(fake_push.origin,)
    )
    assert sender.send(target(sub), MESSAGE).outcome is Outcome.REFUSED
    assert fake_push.messages_for(elsewhere["endpoint"]) == []


def self_signed(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A certificate for `name` (its own CA) and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .issuer_name(subject)
        .subject_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@contextmanager
def tls_server(cert_file: Path, key_file: Path, seen_sni: list[str | None]) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 answering 201, recording the SNI name of each handshake."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda _sock, name, _ctx: seen_sni.append(name)  # type: ignore[assignment,func-returns-value]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.handle_error = lambda *args: None  # type: ignore[method-assign]  # a refused handshake is expected
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("cert_name", "verified"), [("localhost", True), ("push.example", False)])
def test_pinning_keeps_sni_and_certificate_checks_on_the_host_name(tmp_path, cert_name, verified):
    """The socket goes to the pinned address (127.0.0.1), yet TLS still says and checks the name.

    Loopback is let through here only so a local TLS server can stand behind the pinning; the
    address rule itself is the table test above."""
    cert_file, key_file = self_signed(tmp_path, cert_name)
    seen_sni: list[str | None] = []
    session = HTTPSession(
        Config(ip_filter_enable=True, ip_filter_allow_loopback_ips=True, never_redirect=True, default_timeout=(5, 5))
    )
    with tls_server(cert_file, key_file, seen_sni) as port:
        url = f"https://localhost:{port}/push/x"
        if verified:
            assert session.get(url, verify=str(cert_file), timeout=5).status_code == 201
        else:
            with pytest.raises(requests.exceptions.SSLError, match="localhost"):
                session.get(url, verify=str(cert_file), timeout=5)
    assert seen_sni[:1] == ["localhost"]
