"""What a valid record is, whichever way it comes in: the value rules of each field
(`fields`) and the rules between records (`checks`), shared by seeding, the write API and
`import`."""
