"""The safeguarding catalogue (tests/data/safeguarding_catalogue.toml) and how the check is
scored on it, shared by the test that holds the targets and the benchmark that prints them."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from issues.safeguarding import Finding, find_identifying_details

CATALOGUE = Path(__file__).with_name("data") / "safeguarding_catalogue.toml"
RECALL_TARGET = 0.98
FALSE_POSITIVE_TARGET = 0.05
KNOWN_PLACES = ("Children's Trust Board", "Safeguarding Children Partnership Board",
                "Early Help Board", "Sure Start North")
"""What the bot passes in: the boards (config.example.toml) and the member's organisation."""


@dataclass(frozen=True)
class Text:
    category: str
    text: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Miss:
    entry: Text
    missed: tuple[str, ...]
    """For identifying texts, the details not covered; for clean ones, what was reported."""


@dataclass
class Score:
    identifying: int = 0
    clean: int = 0
    misses: list[Miss] = field(default_factory=list)
    false_alarms: list[Miss] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return 1 - len(self.misses) / self.identifying

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_alarms) / self.clean

    @property
    def passed(self) -> bool:
        return self.recall >= RECALL_TARGET and self.false_positive_rate <= FALSE_POSITIVE_TARGET

    def by_category(self) -> Counter[str]:
        return Counter(miss.entry.category for miss in [*self.misses, *self.false_alarms])


def load() -> tuple[list[Text], list[Text]]:
    data = tomllib.loads(CATALOGUE.read_text("utf-8"))
    identifying = [Text(e["category"], e["text"], tuple(e["details"]))
                   for e in data["identifying"]]
    clean = [Text(e["category"], e["text"]) for e in data["clean"]]
    return identifying, clean


def _uncovered(entry: Text, findings: list[Finding]) -> tuple[str, ...]:
    """The expected details that no finding overlaps."""
    spans = []
    for finding in findings:
        start = entry.text.find(finding.text)
        spans.append((start, start + len(finding.text)))
    missed = []
    for detail in entry.details:
        start = entry.text.find(detail)
        assert start >= 0, f"catalogue detail {detail!r} is not in {entry.text!r}"
        end = start + len(detail)
        if not any(s < end and start < e for s, e in spans if s >= 0):
            missed.append(detail)
    return tuple(missed)


def score() -> Score:
    identifying, clean = load()
    result = Score(len(identifying), len(clean))
    for entry in identifying:
        missed = _uncovered(entry, find_identifying_details(entry.text, KNOWN_PLACES))
        if missed:
            result.misses.append(Miss(entry, missed))
    for entry in clean:
        found = find_identifying_details(entry.text, KNOWN_PLACES)
        if found:
            result.false_alarms.append(Miss(entry, tuple(f.text for f in found)))
    return result
