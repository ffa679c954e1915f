"""Layers point one way: no two parts of `app/` (its folders, and the modules at its root)
import each other, directly or through others, and nothing in `app/` imports `bench/`.

`python -m tests.test_layers` prints which part imports which."""

import ast
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, relative imports made absolute."""
    package = ["app", *path.relative_to(APP).parent.parts]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            found.append(".".join([*base, *([node.module] if node.module else [])]))
    return found


def part_of(module: str) -> str | None:
    """`app.kinds.checks` -> `kinds`; `app.config` -> `config`; None outside `app`."""
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def imports_by_part() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in APP.rglob("*.py"):
        here = path.relative_to(APP).parts[0].removesuffix(".py")
        graph[here] |= {p for m in imported_modules(path) if (p := part_of(m)) not in (None, here)}
    return graph


def test_no_part_of_app_imports_another_that_imports_it_back() -> None:
    try:
        order = list(TopologicalSorter(imports_by_part()).static_order())
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise AssertionError(f"parts of app/ import each other: {cycle}") from None
    assert {"api", "kinds", "queries", "counting", "seeding", "curation"} <= set(order)


def test_the_product_does_not_import_its_benchmark() -> None:
    found = [
        f"{path.relative_to(APP.parent)} imports {module}"
        for path in APP.rglob("*.py")
        for module in imported_modules(path)
        if module == "bench" or module.startswith("bench.")
    ]
    assert found == []


def test_the_check_finds_a_cycle() -> None:
    graph = {**imports_by_part(), "models": {"api"}}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError:
        return
    raise AssertionError("a cycle through models and api went unnoticed")


if __name__ == "__main__":
    for part, imported in sorted(imports_by_part().items()):
        print(f"{part:16} -> {', '.join(sorted(imported))}")
