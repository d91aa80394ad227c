"""VAPID keys: a P-256 key pair identifying this server to push services.

Production reads the private key (PEM) from VAPID_PRIVATE_KEY_FILE and refuses to start
without it (app/config.py). Elsewhere a key is generated on first use under ./var/.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.config import Environment, Settings


@dataclass(frozen=True)
class VapidKeys:
    private_pem: bytes
    public_key: str  # the applicationServerKey browsers need: uncompressed point, base64url


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_private_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_of(private_pem: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("the VAPID key must be a P-256 (prime256v1) EC private key")
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(generate_private_pem())
    path.chmod(0o600)


@lru_cache(maxsize=8)
def _load(path: Path) -> VapidKeys:
    pem = path.read_bytes()
    return VapidKeys(private_pem=pem, public_key=public_key_of(pem))


def vapid_keys(settings: Settings) -> VapidKeys:
    """The server's keys; generated under ./var/ on first use outside production."""
    path = settings.resolved_vapid_key_file()
    if not path.exists():
        if settings.app_env is Environment.PRODUCTION:
            raise RuntimeError("VAPID_PRIVATE_KEY_FILE is missing")
        _create(path)
    return _load(path.resolve())
