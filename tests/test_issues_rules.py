"""The small rules behind /raise: duplicate suggestions, lengths, numbers, counting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.issues import Figures, Issue, Supporter
from issues.raising import WHAT, check_length, parse_count
from issues.similar import THRESHOLD, similar_issues, similarity
from issues.summary import summarise_supporters
from members.details import TooLong, TooShort

NOW = datetime(2026, 11, 2, tzinfo=UTC)


def issue(issue_id: int, what: str) -> Issue:
    return Issue(issue_id, f"LU-2026-{issue_id:03d}", "early-help", what, "impact", None,
                 "submitted", None, None, None, None, None, None, None, None, None, NOW, NOW,
                 None)


def supporter(row_id: int, organisation: str | None, named: bool, waiting: int | None,
              weeks: int | None = None) -> Supporter:
    return Supporter(row_id, 1, row_id, organisation, named, row_id == 1,
                     Figures(waiting, weeks), None, NOW)


@pytest.mark.parametrize(("a", "b", "close"), [
    ("Families wait 18 months for an autism assessment for their child.",
     "The waiting list for autism assessments for children is now over a year.", True),
    ("Early help assessments take 12 weeks to start",
     "Early Help assessments take twelve weeks to start", True),
    ("Families wait 18 months for an autism assessment for their child.",
     "The youth club in Seacombe lost its funding and closed on Fridays.", False),
    ("Food bank referrals doubled since the cost of living crisis started.",
     "Holiday activity places are too few for families on free school meals.", False),
    # the CAMHS pair "us too" once missed (0.20 against a 0.30 bar), and its near neighbours
    ("Families we refer to CAMHS are told the waiting list is now 18 months for an assessment",
     "The CAMHS waiting list for young people's assessments has grown to a year and a half",
     True),
    ("Families we refer to CAMHS are told the waiting list is now 18 months for an assessment",
     "Waiting times for CAMHS appointments are over 18 months; children are left without help",
     True),
    ("Families we refer to CAMHS are told the waiting list is now 18 months for an assessment",
     "Speech and language therapy waiting list is 40 weeks", False),
    ("Families we refer to CAMHS are told the waiting list is now 18 months for an assessment",
     "Food bank referrals for families have doubled since September", False),
])
def test_similar_words_suggest_an_issue_and_different_ones_do_not(
    a: str, b: str, close: bool
) -> None:
    assert (similarity(a, b) >= THRESHOLD) is close, similarity(a, b)


def test_suggestions_are_the_best_few_best_first() -> None:
    text = "Families wait months for an early help assessment after referral."
    candidates = [issue(1, "The youth club closed."),
                  issue(2, "Early help assessment waits: families wait months after referral."),
                  issue(3, "Families wait for early help.")]
    assert [m.issue.id for m in similar_issues(text, candidates)] == [2, 3]


def test_length_keeps_paragraphs_and_says_what_is_wrong() -> None:
    kept = check_length("  First   line \n\n\n\n second\tline ", WHAT)
    assert kept == "First line\n\nsecond line"
    assert check_length("short", WHAT) == TooShort(20)
    assert check_length("x" * 1501, WHAT) == TooLong(1500, 1501)


@pytest.mark.parametrize(("text", "expected"), [
    ("45", 45), (" 1,200 ", 1200), ("0", 0), ("lots", None), ("-3", None), ("4.5", None),
    ("100001", None),
])
def test_counts_are_whole_numbers_in_range(text: str, expected: int | None) -> None:
    assert parse_count(text, 100_000) == expected


def test_organisations_are_counted_once_and_only_named_ones_named() -> None:
    summary = summarise_supporters(issue(1, "x"), [
        supporter(1, "Riverside Trust", True, 40, 18),
        supporter(2, "riverside trust", True, 5),   # the same organisation after a merge
        supporter(3, "Quiet Org", False, 10, 30),
        supporter(4, None, False, None),            # forgotten: still one organisation
    ])
    assert summary.organisations == 3
    assert summary.named == ("Riverside Trust",)
    assert summary.unnamed == 2
    assert (summary.waiting, summary.longest_wait_weeks) == (50, 30)
