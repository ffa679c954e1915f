from dataclasses import dataclass


@dataclass(frozen=True)
class SeedError:
    """One problem in a seed file, located as `file: record: field`."""

    file: str
    record: str
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.field}: {self.problem}"


class SeedErrors(Exception):
    """Every problem found in the seeds; raised before anything is written."""

    def __init__(self, errors: list[SeedError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
