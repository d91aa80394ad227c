"""A local fake push service: receives what pywebpush sends, like FCM or Mozilla's autopush would.

For every POST to one of its subscription endpoints it
1. checks the VAPID `Authorization: vapid t=<JWT>, k=<public key>` header: ES256 signature
   against `k` (and against the server's key, when told), `aud` = this service's origin,
   `exp` in the future and at most 24 hours ahead, a `sub` contact;
2. decrypts the aes128gcm body with the subscription's private key and auth secret;
3. records the message and answers 201, or whatever status a test asked for (404, 410, 429
   with Retry-After, 500, 401, ...), optionally after a delay (for timeouts).

Use the `fake_push` fixture (import it into a test module) or `FakePushService()` as a context
manager. Its origin (http://127.0.0.1:PORT) goes into PUSH_ALLOWED_HOSTS for the test's settings.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Received:
    token: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]


@dataclass
class Answer:
    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class BrowserKeys:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes


class VapidError(Exception):
    pass


def verify_vapid(authorization: str, *, audience: str, server_key: str | None) -> dict[str, Any]:
    """The JWT's claims if the header is a valid VAPID authorization for `audience`, else VapidError."""
    if not authorization.startswith("vapid "):
        raise VapidError("not a vapid authorization")
    parts = dict(item.strip().split("=", 1) for item in authorization[6:].split(","))
    token, key = parts.get("t", ""), parts.get("k", "")
    if server_key is not None and key != server_key:
        raise VapidError("signed with an unexpected key")
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    if header.get("alg") != "ES256":
        raise VapidError("alg must be ES256")
    signature = b64url_decode(signature_b64)
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise VapidError("bad signature") from None
    claims = json.loads(b64url_decode(claims_b64))
    now = time.time()
    if claims.get("aud") != audience:
        raise VapidError("wrong audience")
    if not (now < int(claims.get("exp", 0)) <= now + 24 * 3600):
        raise VapidError("expired or too far ahead")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        raise VapidError("no subject")
    return claims


class FakePushService:
    """The fake service on a free loopback port; thread-safe records of what it received."""

    def __init__(self, *, server_key: str | None = None) -> None:
        self.server_key = server_key  # the VAPID public key it expects, if set
        self.received: list[Received] = []
        self.rejected: list[str] = []  # why requests failed verification
        self.requests = 0
        self._keys: dict[str, BrowserKeys] = {}
        self._answers: dict[str | None, list[Answer]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakePushService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def subscription(self) -> dict[str, Any]:
        """A new browser subscription (what `PushSubscription.toJSON()` gives) on this service."""
        token = secrets.token_urlsafe(16)
        keys = BrowserKeys(ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16))
        point = keys.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        with self._lock:
            self._keys[token] = keys
        return {"endpoint": f"{self.origin}/push/{token}", "keys": {"p256dh": b64url(point), "auth": b64url(keys.auth)}}

    def answer(self, status: int, *, endpoint: str | None = None, times: int = 1, **options: Any) -> None:
        """Answer the next `times` requests (to `endpoint`, or to any) with `status`."""
        token = endpoint.rsplit("/", 1)[-1] if endpoint else None
        with self._lock:
            self._answers.setdefault(token, []).extend(Answer(status, **options) for _ in range(times))

    def messages_for(self, endpoint: str) -> list[Received]:
        token = endpoint.rsplit("/", 1)[-1]
        with self._lock:
            return [m for m in self.received if m.token == token]

    def _next_answer(self, token: str) -> Answer:
        with self._lock:
            for key in (token, None):
                if self._answers.get(key):
                    return self._answers[key].pop(0)
        return Answer()

    def _receive(self, token: str, headers: dict[str, str], body: bytes) -> int:
        """Verify and decrypt one request; returns the HTTP status to answer when it is invalid (else 0)."""
        keys = self._keys.get(token)
        if keys is None:
            return 404
        try:
            claims = verify_vapid(headers.get("authorization", ""), audience=self.origin, server_key=self.server_key)
            if headers.get("content-encoding") != "aes128gcm" or "ttl" not in headers:
                raise VapidError("missing Content-Encoding aes128gcm or TTL")
            plain = http_ece.decrypt(body, private_key=keys.private_key, auth_secret=keys.auth, version="aes128gcm")
            payload = json.loads(plain)
        except Exception as exc:  # a failed check is the test's failure, reported through `rejected`
            with self._lock:
                self.rejected.append(f"{type(exc).__name__}: {exc}")
            return 400
        with self._lock:
            self.received.append(Received(token, payload, headers, claims))
        return 0

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like real push services

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                token = self.path.rsplit("/", 1)[-1]
                with service._lock:
                    service.requests += 1
                answer = service._next_answer(token)
                if answer.delay:
                    time.sleep(answer.delay)
                status = answer.status
                if status < 300:
                    status = service._receive(token, {k.lower(): v for k, v in self.headers.items()}, body) or status
                self.send_response(status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def fake_push() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


@pytest.fixture
def push_settings(database_url: str, fake_push: FakePushService, tmp_path):  # type: ignore[no-untyped-def]
    """Test settings with a fresh VAPID key and the fake service added to PUSH_ALLOWED_HOSTS."""
    from app.push.keys import generate_private_pem, public_key_of
    from tests.conftest import make_settings

    key_file = tmp_path / "vapid.pem"
    key_file.write_bytes(generate_private_pem())
    fake_push.server_key = public_key_of(key_file.read_bytes())
    return make_settings(
        database_url, vapid_private_key_file=key_file, push_allowed_hosts=f"fcm.googleapis.com,{fake_push.origin}"
    )


@pytest.fixture
def push_app(push_settings, engine):  # type: ignore[no-untyped-def]
    from app.main import create_app

    return create_app(push_settings, engine)
