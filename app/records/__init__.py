"""What a valid record is, whichever way it comes in: each record's shape (`shapes`), the
value rules of each field (`fields`) and the rules between records (`checks`), shared by
seeding, the write API and `import` (`tables` applies them to a dump's rows)."""
