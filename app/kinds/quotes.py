"""Where a quote stands in its source's text: the W3C Web Annotation selectors of a citation.

A quote is anchored at its first occurrence in the text (the spec and README say so): a
quote found more than once is the same words wherever it stands, and a curator who means a
later occurrence quotes enough words to make it unique. Offsets count Unicode code points
(Python's string indices), as `TextPositionSelector` does.
"""

from dataclasses import dataclass

CONTEXT = 32
"""Code points of text kept before and after a quote (`prefix`, `suffix`)."""


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    prefix: str
    suffix: str

    def columns(self) -> dict[str, int | str]:
        """The citation columns that store it."""
        return {
            "quote_start": self.start,
            "quote_end": self.end,
            "quote_prefix": self.prefix,
            "quote_suffix": self.suffix,
        }


def anchor(text: str, quote: str) -> Anchor | None:
    """The quote's place in `text` (its first occurrence), or None when it is not there."""
    start = text.find(quote)
    if start < 0:
        return None
    end = start + len(quote)
    return Anchor(start, end, text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT])
