"""Record kinds, each declared once.

A kind's module (`visit`, `agreement`, ...) declares its shape, the record as curators write
it (the seed file, the write API and the audit log all use it), with each field's value rules
(`fields`) and what the field says beyond its type (`declaration`: the column it is stored
in, the kind of record it names, whether it states a fact that needs a source), and a `Kind`:
its model, seed file, CSV columns and list filters. `registry.KINDS` lists them in the order
their references need.

Everything else derives from those declarations: the checker (`checks`), record to row
(`record_to_row`) and row to record (`row_to_record`), storing, reading and deleting a record
(`storage`), and the rules a dump's rows follow (`row_rules`).
"""
