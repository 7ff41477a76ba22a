"""Finding the open issue a new one probably duplicates, so an organisation can say "us too".

A board is moved by how many organisations see a problem, so two issues about the same waiting
list are worth more as one issue with two organisations behind it. Only issues of the same theme
are compared. People reword the same problem ("the CAMHS waiting list is 18 months" against
"families wait over a year for CAMHS"), so texts are compared as TF-IDF vectors (scikit-learn)
of Snowball stems, which meet across "waiting"/"waits" and rate rare words like "CAMHS" above
common ones, averaged with character n-grams of the stems, which forgive spelling. Members
choose: a suggestion never merges anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from db.issues import Issue

THRESHOLD = 0.22
"""Reworded descriptions of one problem score about 0.25-0.35, unrelated ones of the same theme
below 0.2 (tests/test_issues_rules.py holds the examples)."""
MAX_SUGGESTIONS = 3
_WORD = re.compile(r"[a-z0-9]+")
_SAME = {"kids": "children", "yp": "young", "cyp": "children"}


@dataclass(frozen=True)
class Match:
    issue: Issue
    score: float


@cache
def _stemmer() -> object:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def warm_up() -> None:
    """Import scikit-learn ahead of the first /raise: the import costs seconds of CPU, which a
    member would otherwise wait for at the "is it one of these?" step. Run in a worker thread."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: F401
    from sklearn.metrics.pairwise import cosine_similarity  # noqa: F401

    _stemmer()


def content_words(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    stemmer = _stemmer()
    words = (_SAME.get(w, w) for w in _WORD.findall(text.casefold()))
    return [stemmer.stemWord(w) for w in words  # type: ignore[attr-defined]
            if w not in ENGLISH_STOP_WORDS and len(w) > 1]


def scores(text: str, others: Sequence[str]) -> list[float]:
    """0..1 for each of ``others`` against ``text``, IDF weighted over all of them."""
    if not others:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    stems = [content_words(t) for t in (text, *others)]
    if not any(stems[0]):
        return [0.0] * len(others)
    joined = [" ".join(words) or "-" for words in stems]
    by_word = TfidfVectorizer(analyzer=lambda doc: doc.split(), sublinear_tf=True)
    by_chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    words = by_word.fit_transform(joined)
    chars = by_chars.fit_transform(joined)
    word_scores = cosine_similarity(words[0], words[1:])[0]
    char_scores = cosine_similarity(chars[0], chars[1:])[0]
    return [float(0.5 * w + 0.5 * c) for w, c in zip(word_scores, char_scores, strict=True)]


def similarity(a: str, b: str) -> float:
    return scores(a, [b])[0]


def similar_issues(text: str, candidates: Sequence[Issue]) -> list[Match]:
    """The best few candidates (already of the same theme and still open), best first."""
    scored = [Match(issue, score) for issue, score in
              zip(candidates, scores(text, [c.what_happening for c in candidates]), strict=True)]
    close = [m for m in scored if m.score >= THRESHOLD]
    close.sort(key=lambda m: (-m.score, m.issue.id))
    return close[:MAX_SUGGESTIONS]
