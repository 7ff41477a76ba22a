"""Finding the open issue a new one probably duplicates, so an organisation can say "us too".

A board is moved by how many organisations see a problem, so two issues about the same waiting
list are worth more as one issue with two organisations behind it. Only issues of the same theme
are compared. People reword the same problem ("the CAMHS waiting list is 18 months" against
"families wait over a year for CAMHS"), so texts are compared as TF-IDF vectors of Snowball
stems (snowballstemmer), which meet across "waiting"/"waits" and rate rare words like "CAMHS"
above common ones, averaged with character n-grams of the stems, which forgive spelling. The
vectors are a few lines of arithmetic: scikit-learn would do the same, but its import alone
holds the bot's event loop for seconds. Members choose: a suggestion never merges anything.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import snowballstemmer

from db.issues import Issue

THRESHOLD = 0.22
"""Reworded descriptions of one problem score about 0.25-0.35, unrelated ones of the same theme
below 0.2 (tests/test_issues_rules.py holds the examples)."""
MAX_SUGGESTIONS = 3
NGRAMS = (3, 4, 5)
_WORD = re.compile(r"[a-z0-9]+")
_SAME = {"kids": "children", "yp": "young", "cyp": "children"}
_STOPWORD_TEXT = (
    "a an the and or but of to in on for with at by from as is are was were be been being it its"
    " this that these those there their they them we our us you your he she his her i my me"
    " not no so than too very can could would should will just have has had do does did into"
    " about over more most some any all many much also because when which who what where how"
    " still now only get got getting after before while since out up down here"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

Vector = dict[str, float]


@dataclass(frozen=True)
class Match:
    issue: Issue
    score: float


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def content_words(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order."""
    words = (_SAME.get(w, w) for w in _WORD.findall(text.casefold()))
    return [_stemmer().stemWord(w) for w in words if w not in _STOPWORDS and len(w) > 1]


def _char_grams(stems: Iterable[str]) -> list[str]:
    grams = []
    for stem in stems:
        padded = f" {stem} "
        grams += [padded[i:i + n] for n in NGRAMS for i in range(len(padded) - n + 1)]
    return grams


def _tf_idf(documents: list[list[str]]) -> list[Vector]:
    """Sublinear term frequency, smoothed IDF, unit length: as scikit-learn's TfidfVectorizer
    with ``sublinear_tf=True`` computes them."""
    frequency = Counter(term for document in documents for term in set(document))
    idf = {term: math.log((1 + len(documents)) / (1 + df)) + 1 for term, df in frequency.items()}
    vectors = []
    for document in documents:
        weights = {t: (1 + math.log(c)) * idf[t] for t, c in Counter(document).items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({t: w / norm for t, w in weights.items()})
    return vectors


def _cosine(a: Vector, b: Vector) -> float:
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def scores(text: str, others: Sequence[str]) -> list[float]:
    """0..1 for each of ``others`` against ``text``, IDF weighted over all of them."""
    stems = [content_words(t) for t in (text, *others)]
    if not stems[0]:
        return [0.0] * len(others)
    words = _tf_idf(stems)
    chars = _tf_idf([_char_grams(s) for s in stems])
    return [0.5 * _cosine(words[0], w) + 0.5 * _cosine(chars[0], c)
            for w, c in zip(words[1:], chars[1:], strict=True)]


def similarity(a: str, b: str) -> float:
    return scores(a, [b])[0]


def similar_issues(text: str, candidates: Sequence[Issue]) -> list[Match]:
    """The best few candidates (already of the same theme and still open), best first."""
    scored = [Match(issue, score) for issue, score in
              zip(candidates, scores(text, [c.what_happening for c in candidates]), strict=True)]
    close = [m for m in scored if m.score >= THRESHOLD]
    close.sort(key=lambda m: (-m.score, m.issue.id))
    return close[:MAX_SUGGESTIONS]
