"""Create, update (JSON Merge Patch) and delete records, each write logged with who,
when, and the record before and after. The caller owns the transaction: a write that
fails leaves nothing behind once it is rolled back."""

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.curation.resources import Resource
from app.errors import Conflict, InvalidRecord, NotFound, plain_message
from app.models import Change

SLUG = r"^[a-z0-9][a-z0-9-]{0,118}[a-z0-9]$"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, `null` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def parse(resource: Resource, document: Any) -> Any:
    if not isinstance(document, dict):
        raise InvalidRecord([("-", "the body must be a JSON object")])
    try:
        record = resource.record.model_validate(document)
    except ValidationError as exc:
        raise InvalidRecord(
            [(".".join(str(p) for p in e["loc"]) or "-", plain_message(e)) for e in exc.errors()]
        ) from None
    if not re.match(SLUG, record.id):  # type: ignore[attr-defined]
        raise InvalidRecord([("id", "must be a slug: a-z, 0-9 and '-', 2 to 120 characters")])
    return record


def _dump(record: Any) -> dict[str, Any] | None:
    return None if record is None else record.model_dump(mode="json")


def log(
    session: Session,
    actor: str,
    action: str,
    record_type: str,
    record_id: str,
    before: Any,
    after: Any,
) -> Change:
    change = Change(
        at=datetime.now(UTC),
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        before=_dump(before),
        after=_dump(after),
    )
    session.add(change)
    session.flush()
    return change


def _checked(session: Session, resource: Resource, record: Any) -> Any:
    problems = resource.check(session, record)
    if problems:
        raise InvalidRecord(problems)
    return record


def create(session: Session, resource: Resource, document: Any, actor: str) -> str:
    record = parse(resource, document)
    if resource.read(session, record.id) is not None:
        raise Conflict(f"the id {record.id!r} is taken by another {resource.name}")
    resource.write(session, _checked(session, resource, record))
    log(session, actor, "create", resource.name, record.id, None, record)
    return record.id


def current(session: Session, resource: Resource, record_id: str) -> Any:
    record = resource.read(session, record_id)
    if record is None:
        raise NotFound(f"no {resource.name} with id {record_id!r}")
    return record


def update(session: Session, resource: Resource, record_id: str, patch: Any, actor: str) -> None:
    before = current(session, resource, record_id)
    if not isinstance(patch, dict):
        raise InvalidRecord([("-", "a merge patch must be a JSON object")])
    if patch.get("id", record_id) != record_id:
        raise InvalidRecord([("id", "the id cannot be changed")])
    after = parse(resource, merge_patch(before.model_dump(mode="json"), patch))
    if after == before:
        return
    resource.write(session, _checked(session, resource, after))
    log(session, actor, "update", resource.name, record_id, before, after)


def delete(session: Session, resource: Resource, record_id: str, actor: str) -> None:
    before = current(session, resource, record_id)
    reason = resource.blocker(session, record_id)
    if reason:
        raise Conflict(f"this {resource.name} cannot be deleted: {reason}")
    resource.remove(session, record_id)
    session.flush()
    log(session, actor, "delete", resource.name, record_id, before, None)


def changes_since(
    session: Session,
    since: int,
    limit: int,
    record_type: str | None = None,
    record_id: str | None = None,
) -> list[Change]:
    stmt = select(Change).where(Change.id > since)
    if record_type:
        stmt = stmt.where(Change.record_type == record_type)
    if record_id:
        stmt = stmt.where(Change.record_id == record_id)
    return list(session.scalars(stmt.order_by(Change.id).limit(limit)))
