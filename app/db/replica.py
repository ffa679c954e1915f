"""Whether reads may go to the read replica now: a breaker that sends them to the primary
while the replica does not answer or lags too far, and back once it has caught up.

Asking the replica before each read would cost every read a round trip, and a frozen replica
would hold each one for the connect timeout. Instead the state is kept here and measured
again at most once a second (`RECHECK_SECONDS`), in a thread of its own, when a read finds
it older than that: reads never wait for the measure. A read that fails on the replica
(`failed`) turns it off at once; the next measure may turn it back on.

The lag is measured against the primary's WAL: each measure notes the primary's current
position, and a replica that has not replayed a position noted `max_lag` seconds ago or
earlier is behind by more than that. (`pg_last_xact_replay_timestamp()` would make a replica
of an idle primary look ever further behind, since no new transaction arrives to replay.)
While the primary does not answer, the lag cannot be known and the replica stays on: it is
then the only database that can serve reads.
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger("app.db.replica")

RECHECK_SECONDS = 1.0
State = Literal["ok", "down", "lagging", "not replaying"]


def lsn_number(position: str) -> int:
    """A pg_lsn's text form ("16/B374D848") as the number it stands for."""
    high, low = position.split("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True)
class Measure:
    state: State
    detail: str


class ReplicaHealth:
    """The replica's state for routing reads (see the module's docstring). `primary` and
    `replica` are engines of their own (one connection each, bounded like the serving ones),
    so a measure never takes a request's connection."""

    def __init__(
        self,
        primary: Engine,
        replica: Engine,
        max_lag: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary, self.replica, self.max_lag, self._clock = primary, replica, max_lag, clock
        self.measure = Measure("ok", "not measured yet")
        self._next_measure = float("-inf")
        self._measuring = threading.Lock()
        self._noted: deque[tuple[float, int]] = deque()  # (when, primary's WAL position)

    def usable(self) -> bool:
        """Whether reads may go to the replica; starts a measure in the background when the
        last one is older than RECHECK_SECONDS. Cheap: called on the event loop per read."""
        now = self._clock()
        if now >= self._next_measure:
            self._next_measure = now + RECHECK_SECONDS
            threading.Thread(target=self.check, name="replica-check", daemon=True).start()
        return self.measure.state == "ok"

    def failed(self, error: BaseException) -> None:
        """A read on the replica failed for want of the replica: reads go to the primary until
        a measure finds it answering again."""
        self._set(Measure("down", f"a read failed: {type(error).__name__}"))

    def check(self, wait: float = 0.0) -> Measure:
        """Measure now, unless a measure is under way: then wait up to `wait` seconds for it.
        Bounded by the engines' connect and answer timeouts."""
        if not self._measuring.acquire(timeout=wait if wait > 0 else -1, blocking=wait > 0):
            return self.measure
        try:
            self._set(self._measure())
        finally:
            self._measuring.release()
        return self.measure

    def _set(self, measure: Measure) -> None:
        if measure.state != self.measure.state:
            log = logger.info if measure.state == "ok" else logger.warning
            log("read replica %s: %s", measure.state, measure.detail)
        self.measure = measure
        self._next_measure = max(self._next_measure, self._clock() + RECHECK_SECONDS)

    def _measure(self) -> Measure:
        query = text("SELECT CAST(pg_last_wal_replay_lsn() AS text)")
        try:
            with self.replica.connect() as connection:
                replayed = connection.execute(query).scalar()
        except SQLAlchemyError as exc:
            return Measure("down", f"it does not answer ({type(exc.__cause__ or exc).__name__})")
        if replayed is None:
            return Measure("not replaying", "it is not in recovery (promoted?)")
        now, position = self._clock(), lsn_number(replayed)
        try:
            with self.primary.connect() as connection:
                current = connection.execute(
                    text("SELECT CAST(pg_current_wal_insert_lsn() AS text)")
                )
                self.note(now, lsn_number(current.scalar_one()))
        except SQLAlchemyError:
            return Measure("ok", "the primary does not answer: lag unknown")
        return self.lag_verdict(now, position)

    def note(self, now: float, position: int) -> None:
        """The primary's WAL was at `position` at `now`."""
        self._noted.append((now, position))

    def lag_verdict(self, now: float, replayed: int) -> Measure:
        """Whether a replica that has replayed up to `replayed` lags by more than `max_lag`,
        from the noted positions (those replayed are forgotten)."""
        noted = self._noted
        while noted and noted[0][1] <= replayed:
            noted.popleft()  # replayed: it proves nothing any more
        while len(noted) > 1 and noted[1][0] <= now - self.max_lag:
            noted.popleft()  # the next one already proves as much
        if noted and noted[0][0] <= now - self.max_lag:
            behind = now - noted[0][0]
            return Measure("lagging", f"at least {behind:.1f} s behind the primary")
        return Measure("ok", "streaming")
