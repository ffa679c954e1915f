"""Text folding shared by search queries and the writes that store search text."""

import unicodedata

# Letters that Unicode does not decompose into a base letter plus a combining mark.
_SPECIAL = str.maketrans(
    {
        "đ": "d",
        "Đ": "d",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ı": "i",
        "ə": "e",  # Azerbaijani schwa, written "e" where the keyboard lacks it (Azerbaycan)
        "Ə": "e",
    }
)


def fold(text: str) -> str:
    """Lower-case, strip diacritics and collapse whitespace: `Bình Sơn` -> `binh son`."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    stripped = "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cc"
    )
    return " ".join(stripped.casefold().split())


def search_text(*parts: str | None) -> str:
    """The folded text stored with a record at write time, so `q` works alike on every database."""
    return " | ".join(fold(part) for part in parts if part)
