"""The safeguarding check on its own: what identifies a person, and what only names a place."""

from __future__ import annotations

import pytest

from issues.safeguarding import Finding, Kind, find_identifying_details, nhs_number_valid

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
    ("Jake, aged 9, has waited a year", [(Kind.NAME, "Jake, aged 9")]),
    ("We saw Ella (aged 14) twice", [(Kind.NAME, "Ella (aged 14")]),
    ("Tom is 15 years old and out of school", [(Kind.NAME, "Tom is 15 years old")]),
    ("The child's name is Mia", [(Kind.NAME, "The child's name is Mia")]),
    ("DOB 12/03/2015", [(Kind.DATE_OF_BIRTH, "DOB 12/03/2015")]),
    ("date of birth: 3rd May 2016", [(Kind.DATE_OF_BIRTH, "date of birth: 3rd May 2016")]),
    ("he was born on 14 February 2012", [(Kind.DATE_OF_BIRTH, "born on 14 February 2012")]),
    ("They live at 12 Acacia Avenue.", [(Kind.ADDRESS, "12 Acacia Avenue.")]),
    ("Flat 4 above the shop", [(Kind.ADDRESS, "Flat 4")]),
    ("the family moved to CH41 6AB last month", [(Kind.POSTCODE, "CH41 6AB")]),
    ("postcode L18LX", [(Kind.POSTCODE, "L18LX")]),
    ("they live in ch41 6ab now", [(Kind.POSTCODE, "ch41 6ab")]),
    ("call mum on 07700 900123", [(Kind.PHONE, "07700 900123")]),
    ("ring +44 7700 900123 after 5", [(Kind.PHONE, "+44 7700 900123")]),
    ("landline (0151) 666-1234", [(Kind.PHONE, "0151) 666-1234")]),
    ("email dad: j.bloggs+home@example.co.uk", [(Kind.EMAIL, "j.bloggs+home@example.co.uk")]),
    ("NHS 943 476 5919", [(Kind.NHS_NUMBER, "943 476 5919")]),
    ("nhs no 9434765919.", [(Kind.NHS_NUMBER, "9434765919")]),
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


@pytest.mark.parametrize(("digits", "valid"), [
    ("9434765919", True), ("4010232137", True), ("9434765918", False), ("123456789", False),
    ("1234567890", False),  # check digit would be 10: never issued
])
def test_nhs_number_mod_11_check(digits: str, valid: bool) -> None:
    assert nhs_number_valid(digits) is valid
