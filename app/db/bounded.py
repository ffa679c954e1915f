"""Time bounds on a PostgreSQL server: a connection that is not made within the connect
timeout, a statement that runs past the statement timeout, and a server that stops answering
altogether are each an error within a bound, never a hang.

The statement timeout is PostgreSQL's own (`statement_timeout`): a live server cancels the
statement and the connection stays usable. A server that accepts connections but never
answers (frozen, SIGSTOP; overloaded past answering) cancels nothing, and TCP cannot tell:
its kernel still acknowledges every packet and keepalive, so neither keepalives nor
`tcp_user_timeout` ever fire. So each wait for the server's answer (a statement, a fetch, a
commit, a rollback) is bounded on the client too, by the statement timeout plus the connect
timeout (the time a live server's cancellation may take to arrive); past it the connection
is closed and the wait fails as a disconnect, which SQLAlchemy's pool discards."""

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors
from psycopg.abc import RV, PQGen
from sqlalchemy import Engine, event


@dataclass(frozen=True)
class Timeouts:
    """Seconds: to connect (libpq's `connect_timeout`, which counts whole seconds and at
    least 2), and for one statement (0: unbounded, as PostgreSQL's 0)."""

    connect: float
    statement: float

    def connect_args(self) -> dict[str, Any]:
        options = f"-c statement_timeout={round(self.statement * 1000)}"
        return {"connect_timeout": max(2, round(self.connect)), "options": options}

    @property
    def answer(self) -> float | None:
        """The longest wait for one answer of a server: see the module's docstring."""
        return self.statement + max(2, round(self.connect)) if self.statement > 0 else None


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait for the server ends within `answer_within`."""

    answer_within: float | None = None

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        bound = timeout if timeout is not None else self.answer_within
        try:
            return super().wait(gen, interval, bound)
        except errors._WaitTimeout:
            # The server may still be working on the request: the connection's state is
            # unknown, so it is closed, and the error is a disconnect's.
            self.pgconn.finish()
            raise errors.ConnectionTimeout(
                f"the database did not answer within {bound:g} s"
            ) from None


def bound_postgres(engine: Engine, timeouts: Timeouts) -> None:
    """Make each new connection of `engine` (PostgreSQL, created with
    `timeouts.connect_args()`) a `BoundedConnection`."""

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):  # type: ignore[no-untyped-def]
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.answer_within = timeouts.answer
        return connection
