"""The names list behind the safeguarding check: first names and surnames of many origins.

The lists come from Faker's person providers (MIT, released every few weeks, a 2 MB wheel with
its data inside; nothing is fetched at run time). Across its 80-odd locales (en_GB, en_IE, ga_IE,
en_IN, en_PK, pl_PL, ro_RO, lt_LT, tr_TR, ar_*, fa_IR, yo_NG, ig_NG, ha_NG, tw_GH, pt_PT, es_ES,
...) they hold about 24,000 first names and 24,000 surnames in Latin script, which suits a
network whose families come from everywhere. Faker's own list of common English words marks the
names that are also ordinary words ("Hope", "Will", "May"), which alone prove nothing.

Loading takes a few seconds (it imports every locale), so it happens once, in a thread started
when the issues service is made (:func:`warm_up`), and the first member's check does not wait
for it unless they are very quick.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

_LATIN_NAME = re.compile(r"[A-Za-zÀ-ɏ]+(?:['’-][A-Za-zÀ-ɏ]+)*")


def plain(word: str) -> str:
    """The key a word is looked up by: case-folded, accents dropped ("Zoë" is "zoe")."""
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).replace("’", "'")


@dataclass(frozen=True)
class NameLists:
    first: frozenset[str]
    last: frozenset[str]
    common_words: frozenset[str]
    """Ordinary English words, some of which are also names."""

    def is_first(self, key: str) -> bool:
        return key in self.first

    def is_name(self, key: str) -> bool:
        return key in self.first or key in self.last


def _names_in(values: Iterable[object]) -> set[str]:
    return {plain(v) for v in values if isinstance(v, str) and _LATIN_NAME.fullmatch(v)}


def _provider_lists(kind: str) -> set[str]:
    """Every ``*first_names*`` or ``*last_names*`` list of every locale ("male_last_names")."""
    import faker.providers.person as person  # heavy: only when the lists are first wanted

    found: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"{person.__name__}.{module.name}"),
                           "Provider", None)
        for attribute, value in vars(provider).items():
            if kind in attribute and isinstance(value, tuple | list | dict):
                found |= _names_in(value)
    return found


_loading = threading.Lock()


def name_lists() -> NameLists:
    """The lists, loaded on first use; a caller arriving during the load waits for it."""
    with _loading:
        return _load()


def warm_up() -> None:
    threading.Thread(target=name_lists, name="names-list", daemon=True).start()


@cache
def _load() -> NameLists:
    from faker.providers.lorem.en_US import Provider as Lorem

    return NameLists(
        first=frozenset(_provider_lists("first_names")),
        last=frozenset(_provider_lists("last_names")),
        common_words=frozenset(plain(word) for word in Lorem.word_list),
    )

