"""Every kind of record, in the order their references need: what a record refers to comes
before it (seeding writes in this order and deletes in the reverse)."""

from app.kinds import (
    agreement,
    body,
    country,
    discrepancy,
    relation,
    sector,
    signatory,
    source,
    statement,
    visit,
)
from app.kinds.declaration import Kinds

KINDS = Kinds(
    [
        source.KIND,
        country.KIND,
        sector.KIND,
        signatory.KIND,
        visit.KIND,
        agreement.KIND,
        agreement.EVENT,
        statement.KIND,
        relation.KIND,
        body.KIND,
        discrepancy.KIND,
    ]
)
