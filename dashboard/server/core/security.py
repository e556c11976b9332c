"""Password hashes (argon2) and login tokens (JWT with an expiry)."""

from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "hash_password",
    "verify_password",
    "create_access_token",
    "decode_access_token",
    "TokenError",
    "ALGORITHM",
]

ALGORITHM = "HS256"
_hasher = PasswordHasher()

#: Verified against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("no such user")


class TokenError(Exception):
    """A token that is malformed, badly signed or expired."""


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    if not isinstance(password, str):
        raise TypeError(f"Password must be a string, not {type(password).__name__}")
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches ``password_hash`` (``None``: no such user, always False)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_access_token(*, subject: str, secret: str, minutes: int) -> tuple[str, datetime]:
    """A signed token for ``subject`` valid for ``minutes``; returns it and its expiry."""
    now = datetime.now(UTC)
    expires = now + timedelta(minutes=minutes)
    token = jwt.encode({"sub": subject, "iat": now, "exp": expires}, secret, algorithm=ALGORITHM)
    return token, expires


def decode_access_token(token: str, *, secret: str) -> str:
    """The subject of ``token``.

    Raises
    ------
    TokenError
        If the token is malformed, not signed with ``secret`` or expired.
    """
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        raise TokenError("Token has expired; log in again") from None
    except jwt.PyJWTError:
        raise TokenError("Token is not valid; log in again") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TokenError("Token has no subject; log in again")
    return subject
