"""Finding the open issue a new one probably duplicates, so an organisation can say "us too".

A board is moved by how many organisations see a problem, so two issues about the same waiting
list are worth more as one issue with two organisations behind it. Only issues of the same theme
are compared; the score mixes shared content words (robust to word order) with difflib's ratio
(robust to small spelling differences). Members choose: a suggestion never merges anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from db.issues import Issue

THRESHOLD = 0.3
MAX_SUGGESTIONS = 3

_STOPWORD_TEXT = (
    "a an the and or but of to in on for with at by from as is are was were be been being it its"
    " this that these those there their they them we our us you your he she his her i my me"
    " not no so than too very can could would should will just have has had do does did into"
    " about over more most some any all many much also because when which who what where how"
    " being still now only get got getting"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Match:
    issue: Issue
    score: float


def _stem(word: str) -> str:
    """A crude stem so "waiting"/"waits"/"wait" and "families"/"family" meet."""
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def content_words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", text.casefold())
    return frozenset(_stem(w) for w in words if w not in _STOPWORDS and len(w) > 2)


def similarity(a: str, b: str) -> float:
    """0..1: mostly shared words (Jaccard), partly character-level likeness, which alone rates
    any two English sentences around 0.4 and so only tips close calls."""
    words_a, words_b = content_words(a), content_words(b)
    union = words_a | words_b
    overlap = len(words_a & words_b) / len(union) if union else 0.0
    likeness = SequenceMatcher(None, a.casefold(), b.casefold()).ratio()
    return 0.7 * overlap + 0.3 * likeness


def similar_issues(text: str, candidates: Sequence[Issue]) -> list[Match]:
    """The best few candidates (already of the same theme and still open), best first."""
    scored = [Match(issue, similarity(text, issue.what_happening)) for issue in candidates]
    close = [m for m in scored if m.score >= THRESHOLD]
    close.sort(key=lambda m: (-m.score, m.issue.id))
    return close[:MAX_SUGGESTIONS]
