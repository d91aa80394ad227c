"""The one seam to push services: the only module that imports pywebpush.

Every send gets a timeout, a TTL of a few hours, `Urgency` and `Topic` headers, and a fresh VAPID
claims dict (pywebpush writes `aud` and `exp` into the dict it is given). Responses become one
of a few outcomes the worker acts on:

| push service answer | outcome | the worker |
| --- | --- | --- |
| 201 / 202 | delivered | marks the reminder sent |
| 404 / 410 | gone | deletes that subscription |
| 429 | retry (honouring Retry-After) | tries again later |
| 5xx, timeout, connection error | retry | tries again later, with backoff |
| 400 / 401 / 403 | config_error | logs loudly (our keys or request are wrong); deletes nothing |
| other 4xx (e.g. 413) | refused | gives up on this message |
| host resolves to an internal address | config_error | logs loudly; nothing was contacted |

Requests go through requests-hardened's IP filter (`push_session`): for host-name allow-list
entries it resolves the name once, refuses private, loopback, link-local, shared (100.64/10),
multicast and NAT64/6to4 addresses, and connects to the very address it checked while TLS still
verifies the host name, so DNS (rebinding, or a careless entry) cannot steer a push into our own
network. Redirects are never followed. Explicit full-origin entries (`http://127.0.0.1:8123`,
refused in production) are the operator's own choice and are not filtered.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress

from app.push.keys import VapidKeys
from app.services.push import endpoint_allowed

log = logging.getLogger("app.push")
DEFAULT_TTL_SECONDS = 4 * 3600  # a reminder older than a few hours is no longer useful
DEFAULT_TIMEOUT_SECONDS = 10.0


class Outcome(StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"
    RETRY = "retry"
    CONFIG_ERROR = "config_error"
    REFUSED = "refused"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    status: int | None = None
    retry_after: float | None = None  # seconds, from a 429's Retry-After


@dataclass(frozen=True)
class Target:
    """Where to send: a subscription's endpoint and the browser's keys (base64url)."""

    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushMessage:
    """What a notification shows. Never health data: it may appear on a lock screen."""

    title: str
    body: str
    url: str = "/"
    topic: str = "diary"  # replaces an undelivered message with the same topic
    urgency: str = "normal"  # very-low, low, normal, high

    def payload(self) -> str:
        return json.dumps({"title": self.title, "body": self.body, "url": self.url, "tag": self.topic})


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify(status: int, retry_after: str | None = None) -> SendResult:
    """The outcome of a push service's HTTP status (see the module's table)."""
    if status in (200, 201, 202):
        return SendResult(Outcome.DELIVERED, status)
    if status in (404, 410):
        return SendResult(Outcome.GONE, status)
    if status == 429:
        return SendResult(Outcome.RETRY, status, retry_after_seconds(retry_after))
    if status >= 500:
        return SendResult(Outcome.RETRY, status)
    if status in (400, 401, 403):
        return SendResult(Outcome.CONFIG_ERROR, status)
    return SendResult(Outcome.REFUSED, status)


class PushSender:
    """Sends one message to one subscription. Not thread-safe (one HTTP session): one per thread."""

    def __init__(
        self,
        *,
        keys: VapidKeys,
        subject: str,
        allowed_hosts: tuple[str, ...],
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        ttl: int = DEFAULT_TTL_SECONDS,
    ) -> None:
        self._vapid = Vapid02.from_pem(keys.private_pem)
        self._subject = subject
        self._allowed = allowed_hosts
        self._timeout = timeout
        self._ttl = ttl
        self._http = push_session(allowed_hosts, timeout)

    def send(self, target: Target, message: PushMessage) -> SendResult:
        """Encrypt (aes128gcm), sign (VAPID) and POST; never raises for HTTP or network trouble."""
        if not endpoint_allowed(target.endpoint, self._allowed):
            log.error("push endpoint host not allowed", extra={"fields": {"host": _host(target.endpoint)}})
            return SendResult(Outcome.CONFIG_ERROR)
        try:
            response = webpush(
                {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}},
                data=message.payload(),
                vapid_private_key=self._vapid,
                vapid_claims={"sub": self._subject},  # fresh each call: pywebpush adds aud and exp
                timeout=self._timeout,
                ttl=self._ttl,
                headers={"Urgency": message.urgency, "Topic": message.topic},
                requests_session=self._http,
            )
        except WebPushException as exc:
            return self._failed(target, exc.response)
        except InvalidIPAddress:  # not a retry: the same name would lead to the same internal address
            log.error(
                "push endpoint host resolves to an internal address", extra={"fields": {"host": _host(target.endpoint)}}
            )
            return SendResult(Outcome.CONFIG_ERROR)
        except requests.RequestException as exc:
            log.warning(
                "push service unreachable",
                extra={"fields": {"host": _host(target.endpoint), "error": type(exc).__name__}},
            )
            return SendResult(Outcome.RETRY)
        return classify(response.status_code)  # type: ignore[union-attr]

    def _failed(self, target: Target, response: requests.Response | None) -> SendResult:
        if response is None:
            return SendResult(Outcome.RETRY)
        result = classify(response.status_code, response.headers.get("Retry-After"))
        fields = {"host": _host(target.endpoint), "status": response.status_code}
        if result.outcome is Outcome.CONFIG_ERROR:
            log.error("push service refused our request: check the VAPID key and subject", extra={"fields": fields})
        else:
            log.info("push not delivered", extra={"fields": {**fields, "outcome": str(result.outcome)}})
        return result


def push_session(allowed_hosts: tuple[str, ...], timeout: float) -> requests.Session:
    """An HTTP session that only reaches public addresses, pinned (see the module docstring),
    except the allow-list's explicit origins: requests picks the longest mounted prefix, so
    `http://127.0.0.1:8123/` wins over the filtered `http://`."""
    config = Config(
        ip_filter_enable=True,
        ip_filter_allow_loopback_ips=False,
        never_redirect=True,
        default_timeout=(timeout, timeout),
    )
    session = HTTPSession(config)
    for entry in allowed_hosts:
        if "://" in entry:
            session.mount(entry.rstrip("/") + "/", HTTPAdapter())
    return session


def _host(endpoint: str) -> str:
    """The push service's host only: the endpoint path is a capability and stays out of logs."""
    return urlsplit(endpoint).hostname or "?"
