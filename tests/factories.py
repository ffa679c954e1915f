"""Plain factory functions with fixed, readable ids (no randomness)."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.kinds.record_to_row import dated
from app.kinds.shapes import Dated
from app.models import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementSector,
    Change,
    Visit,
)
from app.text import search_text


def make_agreement(
    session: Session,
    *,
    id: str,
    title: str = "Test agreement",
    kind: str = "agreement",
    date: str | None = "2010",
    parties: tuple[str, ...] = ("FR", "DE"),
    sectors: tuple[str, ...] = (),
) -> Agreement:
    agreement = Agreement(
        id=id,
        title=title,
        kind=kind,
        aliases=[],
        **dated(Dated(date=date)),
        search_text=search_text(title),
        parties=[AgreementParty(country_id=c) for c in parties],
        sectors=[AgreementSector(sector_id=s) for s in sectors],
    )
    session.add(agreement)
    # Logged as every write is, so a counting index catches up with it from the feed.
    session.add(
        Change(
            at=datetime.now(UTC),
            actor="factory",
            action="create",
            record_type="agreement",
            record_id=id,
            before=None,
            after=None,
        )
    )
    session.flush()
    return agreement


def make_agreements(session: Session, count: int, **kwargs: object) -> list[Agreement]:
    """`count` agreements with ids `test-000`…, dates cycling over a few years (many ties)."""
    return [
        make_agreement(
            session,
            id=f"test-{i:03d}",
            title=f"Test agreement {i % 7}",
            date=f"{2000 + i % 5}",
            **kwargs,
        )  # type: ignore[arg-type]
        for i in range(count)
    ]


def make_event(
    session: Session, agreement_id: str, action: str, date: str, country: str | None = None
) -> AgreementEvent:
    event = AgreementEvent(
        id=f"{agreement_id}--{action}--{country or 'all'}",
        agreement_id=agreement_id,
        country_id=country,
        action=action,
        **dated(Dated(date=date)),
    )
    session.add(event)
    session.flush()
    return event


def make_visit(
    session: Session,
    *,
    id: str,
    guest_country: str | None,
    host_country: str,
    date: str | None = "2010",
    guest: str | None = None,
) -> Visit:
    visit = Visit(
        id=id,
        title=f"Visit {id}",
        guest_country_id=guest_country,
        host_country_id=host_country,
        guest_id=guest,
        **dated(Dated(date=date)),
        search_text=search_text(id),
    )
    session.add(visit)
    session.flush()
    return visit
