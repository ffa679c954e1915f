"""The whole database as one file and back: `treaty-api export` and `import` (`ndjson`)."""
