"""Prepared statements (app.db.prepared) answer what SQLAlchemy's `execute` answers."""

import pytest
from sqlalchemy import column, select, table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db.prepared import Prepared, in_ids
from app.models import Agreement, AgreementParty, Country

ENERGY_MOU = "mou-energy-vn-az-2025"
CULTURE_MOU = "mou-culture-vn-az-2025"
PARTIES = (
    select(AgreementParty.agreement_id, AgreementParty.country_id, Country.is_historical)
    .join(Country, Country.id == AgreementParty.country_id)
    .order_by(AgreementParty.agreement_id, AgreementParty.country_id)
)


def test_rows_equal_executes_with_types_applied(session: Session) -> None:
    """Same rows, same Python types (SQLite's 0/1 as booleans, JSON parsed), by name too."""
    ids = [ENERGY_MOU, CULTURE_MOU, "no-such-agreement"]
    prepared = Prepared(PARTIES.where(in_ids(AgreementParty.agreement_id)))
    expected = session.execute(PARTIES.where(AgreementParty.agreement_id.in_(ids))).all()
    rows = prepared.rows(session, {"ids": ids})
    assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
    assert {row.agreement_id for row in rows} == {ENERGY_MOU, CULTURE_MOU}
    assert all(row.is_historical is False for row in rows)

    provenance = Prepared(select(Agreement.id, Agreement.provenance).where(in_ids(Agreement.id)))
    (row,) = provenance.rows(session, {"ids": [ENERGY_MOU]})
    assert row.provenance == session.get(Agreement, ENERGY_MOU).provenance  # type: ignore[union-attr]


def test_an_empty_list_matches_nothing(session: Session) -> None:
    prepared = Prepared(PARTIES.where(in_ids(AgreementParty.agreement_id)))
    assert prepared.rows(session, {"ids": []}) == []


def test_statements_are_seen_and_errors_are_sqlalchemys(
    session: Session, sql_log: list[str]
) -> None:
    """The engine's listeners see each statement (so the tests' statement counts hold), and a
    driver error is raised as SQLAlchemy's, which the API answers as a problem."""
    Prepared(PARTIES.where(in_ids(AgreementParty.agreement_id))).rows(
        session, {"ids": [ENERGY_MOU]}
    )
    assert any("agreement_parties" in statement for statement in sql_log)
    missing = Prepared(select(column("id")).select_from(table("no_such_table")))
    with pytest.raises(DBAPIError):
        missing.rows(session)
