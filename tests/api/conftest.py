"""Fixtures shared by the write tests."""

import pytest
from sqlalchemy.orm import Session

from app.curation.keys import create_key, revoke_key


@pytest.fixture
def keys(session: Session) -> dict[str, str]:
    """A key of each scope, and a revoked admin key."""
    secrets = {
        scope: create_key(session, f"{scope}-key", scope)[1] for scope in ("read", "write", "admin")
    }
    secrets["revoked"] = create_key(session, "revoked-key", "admin")[1]
    revoke_key(session, "revoked-key")
    return secrets
