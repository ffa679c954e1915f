"""Copies of seeds/ with some records edited, for tests that seed from changed files."""

import shutil
from pathlib import Path
from typing import Any

import yaml

from app.config import get_settings


def seeds_copy(tmp_path: Path, edit: dict[tuple[str, str], dict[str, Any]]) -> Path:
    """A copy of seeds/ with some records' fields replaced: {(file, id): {field: value}}."""
    copy = tmp_path / "seeds"
    shutil.copytree(get_settings().seeds_dir, copy)
    for (name, record_id), fields in edit.items():
        records = yaml.safe_load((copy / name).read_text(encoding="utf-8"))
        next(r for r in records if r["id"] == record_id).update(fields)
        (copy / name).write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    return copy
