"""Where a quote stands in its source's text: the W3C Web Annotation selectors of a citation.

A quote is anchored at its first occurrence in the text (the spec and docs/values/provenance.md say so): a
quote found more than once is the same words wherever it stands, and a curator who means a
later occurrence quotes enough words to make it unique. Offsets count Unicode code points
(Python's string indices), as `TextPositionSelector` does.
"""

from dataclasses import dataclass

CONTEXT = 32
"""Code points of text kept before and after a quote (`prefix`, `suffix`)."""
COLUMNS = ("quote_start", "quote_end", "quote_prefix", "quote_suffix")
"""The columns that store an anchor, beside its quote's (citations, discrepancy readings)."""


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    prefix: str
    suffix: str

    def columns(self) -> dict[str, int | str]:
        """The columns that store it."""
        return dict(zip(COLUMNS, (self.start, self.end, self.prefix, self.suffix), strict=True))


def anchor(text: str, quote: str) -> Anchor | None:
    """The quote's place in `text` (its first occurrence), or None when it is not there."""
    start = text.find(quote)
    if start < 0:
        return None
    end = start + len(quote)
    return Anchor(start, end, text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT])


def stored_anchor(text: str, source_id: str, quote: str) -> Anchor:
    """The anchor a quote about to be stored is written with: the checker has refused any
    quote that is not in its source's text before anything is written."""
    found = anchor(text, quote)
    if found is None:
        raise ValueError(f"not a verbatim quote of source {source_id!r}: {quote!r}")
    return found
