"""Create, update (JSON Merge Patch) and delete records, each write logged with who,
when, and the record before and after. The caller owns the transaction: a write that
fails leaves nothing behind once it is rolled back."""

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidRecord, NotFound, did_you_mean, plain_message
from app.kinds import storage
from app.kinds.checks import dotted
from app.kinds.declaration import Kind
from app.models import Change


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


def parse(kind: Kind, document: Any) -> Any:
    if not isinstance(document, dict):
        raise InvalidRecord([("-", "the body must be a JSON object")])
    try:
        return kind.shape.model_validate(document)
    except ValidationError as exc:
        raise InvalidRecord([_problem(kind, e) for e in exc.errors()]) from None


def _problem(kind: Kind, error: Any) -> tuple[str, str]:
    loc = error["loc"]
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        return loc[0], _not_a_field(kind, loc[0])
    return dotted(loc), plain_message(error)


def _not_a_field(kind: Kind, name: str) -> str:
    """`is not a field of this record; did you mean `title`?`"""
    return "is not a field of this record" + did_you_mean(name, list(kind.shape.model_fields))


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


def _checked(session: Session, kind: Kind, record: Any) -> Any:
    problems = storage.check(session, kind, record)
    if problems:
        raise InvalidRecord([(dotted(loc), message) for loc, message in problems])
    return record


def _read_back(session: Session, kind: Kind, record_id: str) -> Any:
    """The record just written, read back: what the audit keeps is what is stored (the
    write fills defaults, such as a source's file name, and orders lists as stored)."""
    session.flush()
    return storage.read(session, kind, record_id)


def _taken(kind: Kind, record_id: str) -> Conflict:
    return Conflict(f"the id {record_id!r} is taken by another {kind.name}")


def create(session: Session, kind: Kind, document: Any, actor: str) -> str:
    """Store a new record. A taken id is a 409 before any rule is checked (the rules would
    judge the record against the one holding its id), and again if another create claims
    the id meanwhile: the INSERT is what claims it (see `storage.insert`)."""
    record = parse(kind, document)
    if storage.exists(session, kind, record.id):
        raise _taken(kind, record.id)
    if not storage.insert(session, kind, _checked(session, kind, record)):
        raise _taken(kind, record.id)
    after = _read_back(session, kind, record.id)
    log(session, actor, "create", kind.name, record.id, None, after)
    return record.id


def current(session: Session, kind: Kind, record_id: str) -> Any:
    try:
        record = storage.read(session, kind, record_id)
    except ValidationError as exc:
        # Stored before a rule existed (e.g. a control character kept by an older version).
        fields = ", ".join(f"{dotted(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise Conflict(
            f"the stored {kind.name} {record_id!r} breaks a rule ({fields}): "
            "it cannot be changed over the API until the stored value is corrected"
        ) from None
    if record is None:
        raise NotFound(f"no {kind.name} with id {record_id!r}")
    return record


def update(session: Session, kind: Kind, record_id: str, patch: Any, actor: str) -> None:
    before = current(session, kind, record_id)
    if not isinstance(patch, dict):
        raise InvalidRecord([("-", "a merge patch must be a JSON object")])
    if patch.get("id", record_id) != record_id:
        raise InvalidRecord([("id", "the id cannot be changed")])
    unknown = [
        (key, _not_a_field(kind, key)) for key in patch if key not in kind.shape.model_fields
    ]
    if unknown:  # `null` for a field the record has not would change nothing: still a typo
        raise InvalidRecord(unknown)
    wanted = parse(kind, merge_patch(before.model_dump(mode="json"), patch))
    if wanted == before:
        return
    storage.write(session, kind, _checked(session, kind, wanted))
    after = _read_back(session, kind, record_id)
    if after != before:
        log(session, actor, "update", kind.name, record_id, before, after)


def delete(session: Session, kind: Kind, record_id: str, actor: str) -> None:
    before = current(session, kind, record_id)
    reason = storage.blocker(session, kind, record_id)
    if reason:
        raise Conflict(f"this {kind.name} cannot be deleted: {reason}")
    storage.remove(session, kind, record_id)
    session.flush()
    log(session, actor, "delete", kind.name, record_id, before, None)
