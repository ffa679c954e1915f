"""The counting index of one process: built in a thread at start-up, then brought up to
date from the changes feed before each use, so writes made by this process, by other
workers and by other machines are all counted (every write to an agreement is a change).

Until the first build finishes, and whenever the database is behind the index (a restore),
`use` yields `None` and callers count with SQL.

With a read replica, the index is built from the primary and brought up to date from the
session of each request, which may be the replica's: a replica behind the index (replay
lag) is not a restore, so that request counts with SQL, consistently with the rows it reads,
and the index stays as it is.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.counting.build import build_index, feed_position, rows_for
from app.counting.index import AgreementIndex
from app.db import REPLICA
from app.memory import release_free_memory
from app.models import Change

log = logging.getLogger(__name__)


class LiveIndex:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._index: AgreementIndex | None = None
        self._lock = threading.Lock()
        self._building = threading.Lock()
        self.ready = threading.Event()

    def start(self) -> threading.Thread:
        """Build the index in a daemon thread (a large database takes seconds)."""
        thread = threading.Thread(target=self.rebuild, name="counting-index", daemon=True)
        thread.start()
        return thread

    def rebuild(self) -> None:
        if not self._building.acquire(blocking=False):
            return
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            with self._sessions() as session:
                index = build_index(session)
            release_free_memory()
            with self._lock:
                self._index = index
            self.ready.set()
            log.info(
                "counting index: %d agreements at feed position %d, built in %.1f s "
                "(%.1f s of this thread's CPU)",
                len(index),
                index.position,
                time.perf_counter() - started,
                time.thread_time() - cpu,
            )
        except Exception:  # counting falls back to SQL; the log says why
            log.exception("counting index build failed; totals are counted with SQL")
        finally:
            self._building.release()

    @property
    def position(self) -> int | None:
        """The feed position the index is current to, or None before it is built."""
        index = self._index
        return None if index is None else index.position

    @contextmanager
    def use(self, session: Session) -> Iterator[AgreementIndex | None]:
        """The index, current to what `session` sees, held for the caller's counting."""
        if self._index is None:
            yield None
            return
        position = feed_position(session)
        with self._lock:
            index = self._index
            if position < index.position and session.info.get(REPLICA):
                index = None  # a replica behind the primary: count what it has, with SQL
            elif position < index.position:
                self._index = None
                self.ready.clear()
                self.start()
                index = None
            elif position > index.position:
                _catch_up(session, index, position)
            yield index


def _catch_up(session: Session, index: AgreementIndex, position: int) -> None:
    changed = list(
        session.scalars(
            select(Change.record_id)
            .where(Change.id > index.position, Change.id <= position)
            .where(Change.record_type == "agreement")
            .distinct()
        )
    )
    current = {row.id: row for row in rows_for(session, changed)} if changed else {}
    for agreement_id in changed:
        if agreement_id in current:
            index.put(current[agreement_id])
        else:
            index.remove(agreement_id)
    index.position = position
