"""The two engines behind an agreements list, for tests: the counting index and SQL."""

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.counting.build import build_index
from app.counting.index import AgreementIndex
from app.counting.live import LiveIndex
from app.main import create_app


def client_of(database_url: str, counting_index: bool) -> TestClient:
    """A client of a new app on a committed database, with its counting index or without."""
    settings = Settings(
        database_url=database_url,
        rate_limit_anonymous="off",
        rate_limit_keyed="off",
        counting_index=counting_index,
    )
    return TestClient(create_app(settings))


class TransactionIndex(LiveIndex):
    """The counting index of one test's transaction, as a server's is of its database: built
    from what the test's session sees at its first use, then brought up to date from the
    changes feed before each (the factories log each agreement there, as every write does)."""

    def __init__(self) -> None:
        super().__init__(sessions=None)  # type: ignore[arg-type]  # never built in a thread

    @contextmanager
    def use(self, session: Session) -> Iterator[AgreementIndex | None]:
        if self._index is None:
            self._index = build_index(session)
            self.ready.set()
        with super().use(session) as index:
            yield index
