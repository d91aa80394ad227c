"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")

MIN_LENGTH = 10
MAX_LENGTH = 256
# zxcvbn's score 3 means "about 10^8 guesses or more": beyond the ~30,000 most common passwords
# of public breach corpora, keyboard runs, sequences, repeats, dates and her own email.
MIN_STRENGTH = 3


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def too_easy_to_guess(password: str, user_inputs: Iterable[str] = ()) -> bool:
    """True when the password is common, appears in leaked-password lists or is built from
    `user_inputs` (her email). Runs offline: no password or hash prefix leaves the server."""
    words = [part for value in user_inputs for part in (value, *value.replace("@", ".").split("."))]
    return zxcvbn(password, user_inputs=[word for word in words if word])["score"] < MIN_STRENGTH
