"""The safeguarding check: spot details that identify a child, young person or family member.

Issues go to boards and into reports, so they must describe a problem, never a person. Before
anything a member types is kept, this check looks for the usual ways a person slips in: a name
in context ("a boy called Jake", "Mrs Smith", "her son Liam"), a date of birth, a street address
or full postcode, a phone number, an email address, an NHS number (10 digits with a valid
mod-11 check digit). The member is shown what was found and asked to take it out.

It errs towards asking: a false alarm costs the member a rephrase, a miss puts a child's details
in a board paper. It must still not nag about places and services: "Wirral", "St James Centre",
"Early Help" and the boards' own names are not people, so names are only looked for in a
context that says "person", and place and service words are never taken for names. The officer
reads every issue too; this is a prompt, not a guarantee.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from db.records import Finding, Kind


@dataclass(frozen=True)
class _Match:
    kind: Kind
    start: int
    end: int
    text: str
    name: str | None = None
    """For names: the word taken for a name, checked against places and services."""


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Capitalised words that follow a "person" context but are places, services or plain words.
NOT_NAMES = _word_set("""
    a an the this that these those he she they it we i you his her their our my your its
    and or but so then when because if as at in on of for to from with by about after before
    year years month months week weeks day days today yesterday tomorrow
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    wirral birkenhead wallasey liverpool chester merseyside cheshire england uk britain
    st saint james centre center hub hubs school schools academy college nursery project
    service services team board trust partnership council nhs camhs send ehcp ehc sen
    early help family families children childrens children's young people youth
    safeguarding protection plan social care mental health wellbeing support
    barnardo barnardos barnardo's nspcc action church library clinic surgery hospital
    house foundation network club group programme program hall park road street
    who which what where while whose has had have is was were are be been
    pupils students boys girls teenagers teens babies toddlers parents carers mothers fathers
    siblings adults kids clients learners residents referrals everyone those some many most
    all others both each
""")

_PLACE_PREPOSITIONS = _word_set("in at from across around near of for to into within")

_NAME = r"[A-Z](?:'[A-Z])?[A-Za-z]+(?:-[A-Z]?[a-z]+)?(?:'s)?"
_PERSON_NOUNS = (
    r"boy|girl|child|kid|son|daughter|baby|toddler|teenager|teen|young person|young man|"
    r"young woman|lad|lass|pupil|student|mum|mother|dad|father|parent|carer|grandmother|"
    r"grandfather|grandma|grandad|nan|gran|client|man|woman|sibling|brother|sister|"
    r"\d{1,2}[- ]year[- ]old"
)
_RELATIONS = (
    r"son|daughter|mum|mother|dad|father|brother|sister|grandson|granddaughter|nan|gran|"
    r"grandma|grandad|partner|husband|wife|boyfriend|girlfriend|baby|child|stepdad|stepmum|"
    r"stepson|stepdaughter|carer|client|foster child|niece|nephew|cousin"
)
_TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+(?P<name>{_NAME})")
_CALLED = re.compile(
    rf"\b(?i:(?:{_PERSON_NOUNS})\s+(?:called|named|known as))\s+(?P<name>{_NAME})"
)
_NAME_IS = re.compile(
    rf"\b(?i:(?:his|her|their|whose|the child's|the boy's|the girl's)\s+name\s+(?:is|was))"
    rf"\s+(?P<name>{_NAME})"
)
_RELATION = re.compile(
    rf"\b(?i:(?:my|his|her|their|our|the|a)\s+(?:{_RELATIONS}))\s*,?\s+(?P<name>{_NAME})"
)
_AGED = re.compile(
    rf"\b(?P<name>{_NAME}),?\s+\(?(?i:aged|age)\s+\d{{1,2}}\b"
    r"(?!\s*(?:-|–|to|and)\s*\d)"
)
_YEARS_OLD = re.compile(rf"\b(?P<name>{_NAME})\s+(?i:is|was|turned)\s+\d{{1,2}}\s+(?i:years old)")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{7,}\d(?![\w])")
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE
)
_STREETS = (
    r"Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Way|Crescent|Grove|Place|Court|"
    r"Terrace|Gardens|Walk|Square|Mews|Row|Hill|Park|View|Rise|Parade|Green"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\s+){{1,3}}(?:{_STREETS})\b\.?"
    r"|\b(?i:flat|apartment|apt)\s+\d{1,4}[A-Za-z]?\b"
)
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE = (
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})[a-z]*\.?,?(?:\s+\d{{4}})?"
    rf"|(?:{_MONTHS})[a-z]*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?"
)
_DATE_OF_BIRTH = re.compile(
    rf"(?i:\b(?:d\.?o\.?b\.?|date of birth|birth ?date)\s*(?:is|was)?\s*:?\s*(?:{_DATE}|\d{{4}})"
    rf"|\b(?:born|birthday)\s+(?:is\s+|was\s+)?(?:on\s+)?(?:the\s+)?(?:{_DATE}))"
)

_NHS_WEIGHTS = range(10, 1, -1)


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus-11 check: weights 10..2 on the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _is_uk_phone(raw: str, digits: str) -> bool:
    if raw.startswith("+44") or (raw.startswith("+") and digits.startswith("44")):
        digits = "0" + digits[2:]
    return digits.startswith("0") and len(digits) in (10, 11) and digits[1] in "1235789"


def _numbers(text: str) -> Iterator[_Match]:
    for match in _DIGIT_RUN.finditer(text):
        raw = match.group().strip("(). -")
        digits = re.sub(r"\D", "", raw)
        if nhs_number_valid(digits):
            yield _Match(Kind.NHS_NUMBER, match.start(), match.end(), raw)
        elif _is_uk_phone(raw, digits):
            yield _Match(Kind.PHONE, match.start(), match.end(), raw)


def _simple(pattern: re.Pattern[str], kind: Kind) -> Callable[[str], Iterator[_Match]]:
    def find(text: str) -> Iterator[_Match]:
        for match in pattern.finditer(text):
            yield _Match(kind, match.start(), match.end(), match.group().strip())

    return find


_LAST_WORD = re.compile(r"(\w+)\W*$")


def _word_before(text: str, index: int) -> str:
    match = _LAST_WORD.search(text[:index])
    return match.group(1).casefold() if match else ""


def _names(text: str) -> Iterator[_Match]:
    for pattern in (_TITLE, _CALLED, _NAME_IS, _RELATION, _AGED, _YEARS_OLD):
        name_first = pattern in (_AGED, _YEARS_OLD)
        for match in pattern.finditer(text):
            if name_first and _word_before(text, match.start()) in _PLACE_PREPOSITIONS:
                continue  # "families in Seacombe, aged 5": a place, not a person
            yield _Match(Kind.NAME, match.start(), match.end(), match.group().strip(),
                         name=match.group("name"))


_FINDERS: tuple[Callable[[str], Iterator[_Match]], ...] = (
    _simple(_EMAIL, Kind.EMAIL),
    _numbers,
    _simple(_POSTCODE, Kind.POSTCODE),
    _simple(_ADDRESS, Kind.ADDRESS),
    _simple(_DATE_OF_BIRTH, Kind.DATE_OF_BIRTH),
    _names,
)


def _place_words(known_places: Iterable[str]) -> frozenset[str]:
    words = {word.casefold() for place in known_places for word in re.findall(r"[\w']+", place)}
    return NOT_NAMES | words


def find_identifying_details(text: str, known_places: Iterable[str] = ()) -> list[Finding]:
    """What in ``text`` looks like it identifies a person, in reading order, each once.

    ``known_places`` are the names of boards, services and themes the bot knows: their words
    are never taken for a person's name.
    """
    not_names = _place_words(known_places)
    taken: list[_Match] = []
    for finder in _FINDERS:  # earlier finders win overlaps: an NHS number is not also a phone
        for found in finder(text):
            if found.name is not None and found.name.casefold() in not_names:
                continue
            if not any(found.start < t.end and t.start < found.end for t in taken):
                taken.append(found)
    taken.sort(key=lambda m: m.start)
    return [Finding(m.kind, m.text) for m in taken]
