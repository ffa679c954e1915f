"""Controlled vocabularies shared by seed validation and the API's filters."""

from typing import Literal

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
RecordType = Literal["country", "signatory", "visit", "agreement", "relation", "event", "body"]
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
