"""People's names inside free text, in Russian and English.

Russian names are found by natasha's news NER model (PER spans; it runs offline from the installed package,
loads once in about half a second and reads a note in about a millisecond). English names by the name lists
detection already uses: a known first name followed by a capitalised word ("Mary Ellison"), or a title and a
capitalised word ("Mr. Hale"). Both are used where the scrubber and the detector look for identifiers in
notes; neither ever returns or logs the name, only where it stands.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from sandbox.vault.detect_values import _known_first, _known_last

__all__ = ["person_spans"]

_CYRILLIC_WORD = re.compile(r"[А-ЯЁ][а-яё]+")
_EN_PAIR = re.compile(r"\b([A-Z][a-z]+)\s+((?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")
_EN_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b")


@cache
def _natasha() -> tuple[Any, Any]:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def _russian(text: str) -> list[tuple[int, int]]:
    from natasha import Doc

    segmenter, tagger = _natasha()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    # one capitalised word alone is often a sentence's first word ("Вперёд"): it counts only when it is a
    # known first name or reads as a Russian surname
    return [(s.start, s.stop) for s in doc.spans if s.type == "PER"
            and (" " in s.text.strip() or _known_first(s.text.strip()) or _known_last(s.text.strip()))]


def person_spans(text: str) -> list[tuple[int, int]]:
    """``(start, stop)`` of every person's name found in ``text``, sorted, not overlapping."""
    spans: list[tuple[int, int]] = []
    if _CYRILLIC_WORD.search(text):
        spans += _russian(text)
    spans += [m.span() for m in _EN_TITLE.finditer(text)]
    spans += [m.span() for m in _EN_PAIR.finditer(text) if _known_first(m.group(1))]
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip()):
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    return merged


def replace_names(text: str, placeholder: str = "[name]") -> str:
    """``text`` with every name found replaced by ``placeholder``."""
    for start, stop in reversed(person_spans(text)):
        text = text[:start] + placeholder + text[stop:]
    return text
