"""Password hashes and tokens."""

import pytest

from dashboard.server.core.security import (
    TokenError,
    create_access_token,
    decode_access_token,
    hash_password,
    verify_password,
)

SECRET = "s" * 40


def test_hash_when_verified_then_only_the_same_password_matches() -> None:
    hashed = hash_password("correct horse")

    assert hashed.startswith("$argon2id$")
    assert verify_password("correct horse", hashed)
    assert not verify_password("correct horsE", hashed)


def test_verify_when_no_user_or_garbage_hash_then_false() -> None:
    assert not verify_password("anything", None)
    assert not verify_password("anything", "not-a-hash")


def test_hash_when_not_string_then_type_error() -> None:
    with pytest.raises(TypeError, match=r"^Password must be a string, not bytes$"):
        hash_password(b"x")  # type: ignore[arg-type]


def test_token_when_fresh_then_subject_back() -> None:
    token, expires = create_access_token(subject="ada", secret=SECRET, minutes=5)

    assert decode_access_token(token, secret=SECRET) == "ada"
    assert expires.tzinfo is not None


def test_token_when_expired_then_token_error() -> None:
    token, _ = create_access_token(subject="ada", secret=SECRET, minutes=-1)

    with pytest.raises(TokenError, match=r"^Token has expired; log in again$"):
        decode_access_token(token, secret=SECRET)


def test_token_when_other_secret_then_token_error() -> None:
    token, _ = create_access_token(subject="ada", secret=SECRET, minutes=5)

    with pytest.raises(TokenError, match=r"^Token is not valid; log in again$"):
        decode_access_token(token, secret="t" * 40)
