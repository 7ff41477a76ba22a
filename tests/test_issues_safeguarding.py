"""The safeguarding check on its own: what identifies a person, and what only names a place."""

from __future__ import annotations

import pytest

from issues.safeguarding import Finding, Kind, find_identifying_details, nhs_number_valid
from tests.safeguarding_catalogue import FALSE_POSITIVE_TARGET, RECALL_TARGET, load, score

BOARDS = ["Children's Trust Board", "Safeguarding Children Partnership Board", "Early Help Board"]


def kinds(text: str) -> list[tuple[Kind, str]]:
    return [(f.kind, f.text) for f in find_identifying_details(text, BOARDS)]


@pytest.mark.parametrize(("text", "expected"), [
    ("We support a boy called Jake who waits for CAMHS.", [(Kind.NAME, "boy called Jake")]),
    ("A girl named Amelia-Rose was turned away.", [(Kind.NAME, "girl named Amelia-Rose")]),
    ("a 7-year-old called Noah", [(Kind.NAME, "7-year-old called Noah")]),
    ("Mrs Smith from the school rang.", [(Kind.NAME, "Mrs Smith")]),
    ("Mr. O'Brien said so", [(Kind.NAME, "Mr. O'Brien")]),
    ("her son Liam has autism", [(Kind.NAME, "her son Liam")]),
    ("Their mum, Sarah, cannot get an appointment", [(Kind.NAME, "Their mum, Sarah")]),
    ("Jake, aged 9, has waited a year", [(Kind.AGE, "Jake, aged 9")]),
    ("We saw Ella (aged 14) twice", [(Kind.AGE, "Ella (aged 14)")]),
    ("Tom is 15 years old and out of school", [(Kind.AGE, "Tom is 15 years old")]),
    ("The child's name is Mia", [(Kind.NAME, "The child's name is Mia")]),
    ("DOB 12/03/2015", [(Kind.DATE_OF_BIRTH, "DOB 12/03/2015")]),
    ("date of birth: 3rd May 2016", [(Kind.DATE_OF_BIRTH, "date of birth: 3rd May 2016")]),
    ("he was born on 14 February 2012", [(Kind.DATE_OF_BIRTH, "born on 14 February 2012")]),
    ("They live at 12 Acacia Avenue.", [(Kind.ADDRESS, "12 Acacia Avenue.")]),
    ("they live at 12 acacia avenue", [(Kind.ADDRESS, "12 acacia avenue")]),
    ("Flat 4 above the shop", [(Kind.ADDRESS, "Flat 4")]),
    ("the family moved to CH41 6AB last month", [(Kind.POSTCODE, "CH41 6AB")]),
    ("postcode L18LX", [(Kind.POSTCODE, "L18LX")]),
    ("they live in ch41 6ab now", [(Kind.POSTCODE, "ch41 6ab")]),
    ("call mum on 07700 900123", [(Kind.PHONE, "07700 900123")]),
    ("ring +44 7700 900123 after 5", [(Kind.PHONE, "+44 7700 900123")]),
    ("landline (0151) 666-1234", [(Kind.PHONE, "(0151) 666-1234")]),
    ("email dad: j.bloggs+home@example.co.uk", [(Kind.EMAIL, "j.bloggs+home@example.co.uk")]),
    ("NHS 943 476 5919", [(Kind.NHS_NUMBER, "943 476 5919")]),
    ("nhs no 9434765919.", [(Kind.NHS_NUMBER, "9434765919")]),
    ("NHS number 123 456 7890, mum thinks", [(Kind.NHS_NUMBER, "123 456 7890")]),
    ("We support Mia Thompson (14) who is out of school",
     [(Kind.AGE, "Mia Thompson (14)")]),
    ("Mia Thompson has waited a year", [(Kind.NAME, "Mia Thompson")]),
    ("Jake, Year 9, was excluded", [(Kind.AGE, "Jake, Year 9")]),
    ("her son liam has no place", [(Kind.NAME, "her son liam")]),
    ("kayden's nan is his carer", [(Kind.NAME, "kayden's nan")]),
    ("Chidi Okafor moved again", [(Kind.NAME, "Chidi Okafor")]),
    ("she is bullied by @kacperrr_09 online", [(Kind.HANDLE, "@kacperrr_09")]),
    ("his snapchat is jay.b2010", [(Kind.HANDLE, "snapchat is jay.b2010")]),
    ("write to jo dot bloggs at gmail dot com", [(Kind.EMAIL, "jo dot bloggs at gmail dot com")]),
    ("write to a.kowalska[at]wp.pl", [(Kind.EMAIL, "a.kowalska[at]wp.pl")]),
])
def test_identifying_details_are_found(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize("text", [
    "Families in Wirral wait 18 weeks for the Early Help assessment.",
    "The St James Centre closed its Tuesday group.",
    "We raised it at the Children's Trust Board and the Safeguarding Children Partnership "
    "Board in March 2026.",
    "Referrals to Early Help have doubled since 01/09/2025.",
    "120 families are waiting, some since 2023; typical wait 26 weeks.",
    "Children aged 5 to 11 in Birkenhead, aged 5-11, need places.",
    "Pupils aged 11 are affected most.",
    "Barnardo's and the NSPCC both see it. Dr Barnardo's too.",
    "The child Protection Plan process takes too long.",
    "Born in 2015 or later, so under the threshold.",
    "Waiting list: 1,234 children across 3 hubs, 52 weeks.",
    "We ran 2 St James Centre sessions with 40 young people.",
    "Call the Family Hub on the number on the council website.",
    "MS and ADHD assessments have a 2 year wait; Year 7 transition is hard.",
    "Call 0800 and 111 lines are busy",
    "An invalid NHS-like number 1234567890 is just a number.",
    "ChildLine on 0800 1111 is a service, not a person.",
    "Hope House and Claire House both have waiting lists.",
    "A Social Worker and a Youth Worker from the Family Hub met on Monday.",
    "Victoria Central Hospital and Alder Hey closed their walk-in clinics.",
    "We meet at 10.30 on Fridays at the St James Centre.",
])
def test_places_services_and_figures_are_not_people(text: str) -> None:
    assert find_identifying_details(text, BOARDS) == []


def test_several_details_are_reported_in_reading_order_each_once() -> None:
    found = find_identifying_details(
        "Mrs Smith (07700 900123, mrs.smith@example.org) lives at 4 Mill Lane, CH41 6AB.")
    assert [f.kind for f in found] == [Kind.NAME, Kind.PHONE, Kind.EMAIL, Kind.ADDRESS,
                                       Kind.POSTCODE]


def test_an_nhs_number_is_not_also_reported_as_a_phone_number() -> None:
    # 0100000002 passes the mod-11 check and also looks like a 10-digit phone number.
    assert find_identifying_details("ref 0100000002") == [Finding(Kind.NHS_NUMBER, "0100000002")]


def test_board_and_service_names_given_by_the_bot_are_never_names() -> None:
    assert find_identifying_details("her son Barrow") != []
    assert find_identifying_details("her son Barrow", ["Barrow Youth Project"]) == []


def test_a_first_name_in_an_organisation_still_counts_elsewhere() -> None:
    """The member's organisation "Claire House" is masked, not the name Claire everywhere."""
    found = find_identifying_details("Claire House supports her daughter Claire.",
                                     ["Claire House"])
    assert found == [Finding(Kind.NAME, "her daughter Claire")]


def test_the_catalogue_is_large_enough_to_measure() -> None:
    identifying, clean = load()
    assert len(identifying) >= 100 and len(clean) >= 100


def test_the_catalogue_meets_the_recall_and_false_positive_targets() -> None:
    result = score()
    missed = [(m.entry.text, m.missed) for m in result.misses]
    alarms = [(m.entry.text, m.missed) for m in result.false_alarms]
    assert result.recall >= RECALL_TARGET, missed
    assert result.false_positive_rate <= FALSE_POSITIVE_TARGET, alarms


@pytest.mark.parametrize(("digits", "valid"), [
    ("9434765919", True), ("4010232137", True), ("9434765918", False), ("123456789", False),
    ("1234567890", False),  # check digit would be 10: never issued
])
def test_nhs_number_mod_11_check(digits: str, valid: bool) -> None:
    assert nhs_number_valid(digits) is valid
