"""Controlled vocabularies shared by seed validation and the API's filters."""

from typing import Literal

# Ids of the synthetic benchmark records (`python -m bench.synth`): never curated,
# so seed dumps leave them out.
SYNTHETIC_PREFIX = "synth-"

AgreementKind = Literal[
    "treaty",
    "agreement",
    "mou",
    "letter-of-intent",
    "cooperation-programme",
    "joint-statement",
    "declaration",
    "protocol",
    "exchange-of-notes",
]
SignatoryKind = Literal[
    "government", "ministry", "company", "party", "person", "organisation", "office"
]
StatementKind = Literal["assessment", "remark", "proposal", "pledge", "plan", "position"]
"""What a statement does: judges how things stand (`assessment`), says something in passing
(`remark`), puts forward a course of action (`proposal`), commits its speakers (`pledge`),
tells what they intend or consider (`plan`), or sets out where they stand (`position`)."""
BodyKind = Literal["intergovernmental-committee", "commission", "working-group", "council"]
EventAction = Literal[
    "signature",
    "exchange",
    "adoption",
    "conclusion",
    "ratification",
    "entry-into-force",
    "termination",
    "withdrawal",
]
MilestoneDirection = Literal["mutual", "one-way"]
"""Whether a milestone of relations is both countries' (`mutual`) or the first country's act
toward the second (`one-way`: one supporting the other, say)."""
Scope = Literal["read", "write", "admin"]
"""What an API key may do: read, write records, or also delete them and manage keys."""
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
