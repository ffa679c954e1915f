"""API keys: created with a random secret shown once; only its SHA-256 is stored."""

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiKey
from app.vocabulary import SCOPES, Scope

PREFIX = "tk_"


class KeyError_(ValueError):
    """A key cannot be created or revoked as asked (duplicate name, unknown name)."""


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, name: str, scope: Scope) -> tuple[ApiKey, str]:
    """A new key and its secret (the only time the secret exists outside the caller)."""
    if session.scalar(select(ApiKey).where(ApiKey.name == name)):
        raise KeyError_(f"a key named {name!r} already exists")
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        scope=scope,
        key_hash=hash_key(secret),
        prefix=secret[:10],
        created_at=datetime.now(UTC),
        revoked_at=None,
    )
    session.add(key)
    session.flush()
    return key, secret


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.name)))


def revoke_key(session: Session, name: str) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise KeyError_(f"no key named {name!r}")
    key.revoked_at = key.revoked_at or datetime.now(UTC)
    session.flush()
    return key


def find_key(session: Session, secret: str) -> ApiKey | None:
    """The live key with this secret, or None (unknown or revoked)."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))
    return key if key is not None and key.revoked_at is None else None


def allows(key: ApiKey, needed: Scope) -> bool:
    return SCOPES.index(key.scope) >= SCOPES.index(needed)  # type: ignore[arg-type]
