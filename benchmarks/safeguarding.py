"""The safeguarding check measured on the project's own catalogue.

Recall: the share of identifying texts in which every detail is found. False-positive rate: the
share of clean texts (places, services, organisations, jobs, dates) in which anything is
reported. Misses are listed by category, then the timing: the one-off load of the names list and
the check's time per text afterwards, as a ratio to a plain regular-expression scan of the same
texts in this process (the floor any check pays to read the text).

    uv run python benchmarks/safeguarding.py
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from issues.person_names import name_lists  # noqa: E402
from issues.safeguarding import find_identifying_details  # noqa: E402
from tests.safeguarding_catalogue import (  # noqa: E402
    FALSE_POSITIVE_TARGET,
    KNOWN_PLACES,
    RECALL_TARGET,
    Score,
    load,
    score,
)

ROUNDS = 20


def report(result: Score) -> None:
    verdict = "PASS" if result.passed else "FAIL"
    print(f"identifying texts: {result.identifying}, clean texts: {result.clean}")
    print(f"recall: {result.recall:.3f} (target >= {RECALL_TARGET})")
    print(f"false-positive rate: {result.false_positive_rate:.3f} "
          f"(target <= {FALSE_POSITIVE_TARGET})")
    for category, count in sorted(result.by_category().items()):
        print(f"  {category}: {count}")
    for miss in result.misses:
        print(f"  MISSED {miss.missed} in {miss.entry.text!r}")
    for alarm in result.false_alarms:
        print(f"  FALSE ALARM {alarm.missed} in {alarm.entry.text!r}")
    print(verdict)


def timing() -> None:
    started = time.perf_counter()
    name_lists()
    print(f"names list loaded once in {time.perf_counter() - started:.2f} s")
    identifying, clean = load()
    texts = [entry.text for entry in [*identifying, *clean]] * ROUNDS
    word = re.compile(r"\w+")
    started = time.perf_counter()
    for text in texts:
        word.findall(text)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        find_identifying_details(text, KNOWN_PLACES)
    checked = time.perf_counter() - started
    print(f"check: {checked / len(texts) * 1000:.2f} ms per text "
          f"({checked / baseline:.0f}x a plain word scan; target < 10 ms)")


def main() -> int:
    timing()
    result = score()
    report(result)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
