"""The replica's lag as `ReplicaHealth` judges it, from positions of the primary's WAL noted
over time (the servers themselves: tests/api/test_databases_away.py)."""

from sqlalchemy import create_engine

from app.db.replica import ReplicaHealth, lsn_number


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def health(clock: Clock) -> ReplicaHealth:
    unused = create_engine("sqlite://")  # the verdict asks no database
    return ReplicaHealth(unused, unused, max_lag=10.0, clock=clock)


def test_positions_read_as_numbers() -> None:
    assert lsn_number("0/3000060") == 0x3000060
    assert lsn_number("16/B374D848") == (0x16 << 32) + 0xB374D848


def test_a_replica_is_lagging_once_a_position_noted_long_enough_ago_is_not_replayed() -> None:
    clock = Clock()
    replica = health(clock)
    replica.note(clock.now, 500)
    assert replica.lag_verdict(clock.now, replayed=400).state == "ok"  # behind, not for long
    clock.now += 9.9
    replica.note(clock.now, 600)
    assert replica.lag_verdict(clock.now, replayed=400).state == "ok"
    clock.now += 0.2
    verdict = replica.lag_verdict(clock.now, replayed=400)
    assert verdict.state == "lagging"
    assert "10.1 s" in verdict.detail
    assert replica.lag_verdict(clock.now, replayed=500).state == "ok"  # caught up to 500
    assert replica.lag_verdict(clock.now, replayed=600).state == "ok"


def test_an_idle_primary_never_makes_its_replica_look_behind() -> None:
    """With no new WAL, every noted position is one the replica has replayed, however long
    ago its last transaction was (what `pg_last_xact_replay_timestamp()` would count)."""
    clock = Clock()
    replica = health(clock)
    for _ in range(100):
        replica.note(clock.now, 700)
        assert replica.lag_verdict(clock.now, replayed=700).state == "ok"
        clock.now += 60
