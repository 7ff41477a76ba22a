"""The safeguarding check: spot details that identify a child, young person or family member.

Issues go to boards and into reports, so they must describe a problem, never a person. Before
anything a member types is kept, this check looks for the ways a person slips in: a name in
context ("a boy called Jake", "Mrs Smith", "her son Liam", "kayden's nan") or alone ("Mia
Thompson has waited a year"), an age or school year next to a name ("Mia (14)", "Jake, Year
9"), a date of birth, a street address or full postcode, a phone number, an email address, an
NHS number (10 digits with a valid mod-11 check digit, or any 10 digits called one) and a
social-media handle. The member is shown what was found and asked to take it out.

How names are told from places. A names list (Faker's person providers, see
:mod:`issues.person_names`) says which words can be first names and surnames; context rules say
when a word is used as one. That was chosen over the alternatives measured for it:

* ``names-dataset`` has far more names (730k) but needs 3.2 GB of memory and a 55 MB wheel, too
  much for a bot on a small machine;
* ``presidio-analyzer`` needs a spaCy model, and the only ones installable from PyPI are
  unofficial re-uploads; its recogniser also misses lower-case names ("her son liam") and takes
  capitalised places ("Wirral", "Hope House") for people, which is the false alarm to avoid;
* a names list with rules costs about a millisecond a text after a one-off load, and each miss
  or false alarm can be explained and fixed.

Phone numbers are recognised by ``phonenumbers`` (Google's libphonenumber): mobiles and
landlines count, freephone and service numbers (0800 1111, 0300 ...) belong to organisations and
do not. Email addresses are found by pattern, including "name at domain dot com": a typo'd or
disguised address still identifies someone, so it is not validated away.

It errs towards asking: a false alarm costs the member a rephrase, a miss puts a child's details
in a board paper. It must still not nag about places and services: "Wirral", "St James Centre",
"Early Help Hub", "Barnardo's" and the boards' own names are not people. The officer reads every
issue too; this is a prompt, not a guarantee. ``benchmarks/safeguarding.py`` measures it on the
catalogue in ``tests/data/safeguarding_catalogue.toml``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import phonenumbers

from db.records import Finding, Kind
from issues.person_names import NameLists, name_lists, plain


@dataclass(frozen=True)
class _Match:
    kind: Kind
    start: int
    end: int
    text: str


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


ORGANISATION_WORDS = _word_set("""
    centre center centres hub hubs house school schools academy college nursery project projects
    service services team teams board boards trust partnership council clinic surgery hospital
    ward unit foundation network club clubs group groups programme program hall park road street
    lane avenue close drive way court place church chapel library forum alliance association
    society charity cic ltd limited primary secondary high infants juniors juniors' campus
    lodge gardens centre's hub's house's school's trust's council's project's fund panel
    meeting meetings conference café cafe shop bank zone space base room rooms hq office
    community communities
""")
"""Words that make the name before them the name of a place or an organisation."""

NOT_NAMES = ORGANISATION_WORDS | _word_set("""
    a an the this that these those he she they it we i you his her their our my your its
    him them us me mine yours
    and or but so then when because if as at in on of for to from with by about after before
    year years month months week weeks day days today yesterday tomorrow morning afternoon
    monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec spring summer autumn winter
    christmas easter half term
    wirral birkenhead wallasey liverpool chester merseyside cheshire england uk britain wales
    liscard seacombe moreton leasowe upton bebington heswall hoylake kirby neston eastham
    prenton oxton claughton tranmere rock ferry greasby irby woodchurch bidston beechwood
    noctorum ellesmere port sefton knowsley halton runcorn widnes bootle
    st saint holy lady
    nhs camhs send ehcp ehc sen senco sendco early help family families children childrens
    children's young people youth safeguarding protection plan social care mental health
    wellbeing support barnardo barnardos barnardo's nspcc action alder hey
    who which what where while whose has had have is was were are be been do does did
    pupils students boys girls teenagers teens babies toddlers parents carers mothers fathers
    siblings adults kids clients learners residents referrals everyone those some many most
    all others both each every any no none one two three four five six seven eight nine ten
    worker workers officer officers manager managers lead leads coordinator nurse nurses
    visitor visitors practitioner practitioners mentor mentors advocate advocates teacher
    teachers head heads governor governors police gp gps doctor doctors therapist consultant
    paediatrician psychologist psychiatrist chair vice director assistant deputy principal
    local national regional north south east west new old central upper lower great little
    virtual kinship foster fostering adoption leaving looked after child carer parent
    please thanks thank dear hi hello yes also still just only even again since until
    we've we're they're it's there here not never always often
""")
"""Words that are never a person's name here, even when a names list has them."""

_PLACE_PREPOSITIONS = _word_set("in at from across around near of for to into within")
_HOLY = _word_set("st st. saint holy our")

_WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*"
_TOKEN = re.compile(_WORD)
_NEXT_WORD = re.compile(rf"[\s,:]*\(?({_WORD})")

_RELATIONS = (
    r"son|daughter|mum|mother|mam|mom|dad|father|brother|sister|grandson|granddaughter|nan|"
    r"nana|nanna|gran|granny|grandma|grandad|grandpa|grandmother|grandfather|partner|husband|"
    r"wife|boyfriend|girlfriend|baby|child|stepdad|stepmum|stepson|stepdaughter|carer|"
    r"foster child|foster carer|niece|nephew|cousin|aunt|auntie|aunty|uncle|sibling|twin|"
    r"little one|eldest|youngest|middle child"
)
_PERSON_NOUNS = (
    r"boy|girl|child|kid|teenager|teen|young person|yp|young man|young woman|young lady|lad|"
    r"lass|pupil|student|learner|client|man|woman|lady|gentleman|person|service user|"
    r"young carer|care leaver|mum|dad|parent|\d{1,2}[- ]?(?:year|yr)s?[- ]?old"
)
_CUE_CASE = re.IGNORECASE

_TITLE = re.compile(r"\b(?:mr|mrs|ms|miss|mx|dr|master)\b\.?(?=\s)", _CUE_CASE)
_CALLED = re.compile(
    rf"\b(?:(?:{_PERSON_NOUNS}|{_RELATIONS})\s+)?(?:called|named|nicknamed|known as|goes by)\b",
    _CUE_CASE,
)
_CALLED_WITH_PERSON = re.compile(rf"^(?:{_PERSON_NOUNS}|{_RELATIONS})\s", _CUE_CASE)
_NAME_IS = re.compile(
    r"\b(?:(?:his|her|their|whose|the child's|the boy's|the girl's|the young person's|"
    r"the baby's|mum's|dad's|first|full|sur|last|christian)\s*name\s*(?:is|was|being|=|:)"
    r"|\bname\s*:)",
    _CUE_CASE,
)
_RELATION = re.compile(
    rf"\b(?:my|his|her|their|our|the|a|whose|this|one|your)\s+(?:(?:oldest|eldest|youngest|"
    rf"little|younger|older|twin|baby|teenage|\d{{1,2}}[- ]?(?:year|yr)s?[- ]?old)\s+)?"
    rf"(?:{_RELATIONS}|{_PERSON_NOUNS})\b,?",
    _CUE_CASE,
)
_POSSESSIVE = re.compile(
    rf"\b({_WORD})['’]s\s+(?:{_RELATIONS}|social worker|key worker|teacher|school|class|"
    r"bedroom|ehcp|plan|case|referral|diagnosis|assessment|family|behaviour|needs|attendance|"
    r"exclusion|appointment|worker)\b",
    _CUE_CASE,
)
_PERSON_VERB = re.compile(
    r"\b(?:support|supports|supporting|supported|refer|refers|referring|referred|met|meet|"
    r"meeting|visited|visiting|saw|seeing|helping|helped|mentoring|mentor|looking after|"
    r"spoke to|spoken to|speaking to|talked to|talking to|phoned|rang|"
    r"caring for|working with|work with|worked with|worried about|concerned about|"
    r"concerns about|case of)\s+",
    _CUE_CASE,
)
"""Verbs whose object is usually a person: a full name after them needs no names list."""
_AGE_AFTER = re.compile(
    r"\s*(?:"
    r"\((?:aged?\s*)?\d{1,2}(?:\s*(?:yrs?|years?|y/?o))?\)"
    r"|,?\s+(?:aged?|age)\s+\d{1,2}\b(?!\s*(?:-|–|to|and|or)\s*\d)"
    r"|,?\s+\(?(?:year|yr|y)\s?\d{1,2}\b\)?(?!\s*(?:-|–|to|and|or)\s*\d)"
    r"|,?\s+(?:is|was|turned|turns)?\s*\d{1,2}\s*(?:yo|y/o|yrs?(?: old)?|years? old)\b"
    r"|,\s*\d{1,2}\s*,"
    r"|\s+\(?(?:b\.|born|dob)\s*\d{4}\)?"
    r")",
    _CUE_CASE,
)
_AGE_BEFORE = re.compile(
    r"\b(?:\d{1,2}[- ]?(?:year|yr)s?[- ]?old|(?:year|yr|y)\s?\d{1,2})\s+"
    rf"(?:(?:{_PERSON_NOUNS}|{_RELATIONS})\s+)?",
    _CUE_CASE,
)

_TLDS = "com|net|org|uk|co|ac|gov|nhs|io|me|info|ie|pl|ro|lt|de|fr|es|pt|it|nl"
_BRACKETED_AT = r"\s*[\[(]\s*at\s*[\])]\s*"
_SPOKEN_DOT = r"\s+dot\s+"
_EMAIL = re.compile(
    r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*"
    rf"|[\w.+'-]+{_BRACKETED_AT}[\w-]+(?:(?:\.|{_SPOKEN_DOT})[\w-]+)+"
    rf"|\b[\w+'-]+(?:(?:\.|{_SPOKEN_DOT})[\w+'-]+)*\s+at\s+[a-z][\w-]*"
    rf"(?:(?:\.|{_SPOKEN_DOT})[\w-]+)*(?:\.|{_SPOKEN_DOT})(?:{_TLDS})\b",
    _CUE_CASE,
)
"""An address as typed, bracketed ("jo[at]wp.pl") or spoken ("jo dot bloggs at gmail dot com")."""
_HANDLE = re.compile(
    r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"
    r"|\b(?:insta(?:gram)?|snap(?:chat)?|tik ?tok|facebook|fb|twitter|discord|youtube|threads|"
    r"whatsapp)\s*(?:handle|name|username|user name|account|profile|id|page)?\s*(?:is|:|-|as)"
    r"\s+@?[A-Za-z0-9_.]*[\d_.][A-Za-z0-9_.]*",
    _CUE_CASE,
)
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{7,}\d(?![\w])")
_NHS_CONTEXT = re.compile(r"\bnhs\s*(?:no\.?|number|num|#)?\s*:?\s*$", _CUE_CASE)
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE
)
_STREETS = (
    r"Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Grove|Place|Court|"
    r"Terrace|Gardens|Walk|Square|Mews|Row|Hill|Park|View|Rise|Parade|Green|Vale|Croft|Fold|"
    r"Bank|Brow|Heights|Estate"
)
_LOWER_STREETS = r"road|street|avenue|lane|drive|crescent|grove|terrace|gardens|mews|parade"
"""Street words that are not also everyday words ("3 groups close to the station")."""
_ADDRESS = re.compile(
    rf"\b(?:no\.?\s*)?\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\s+){{1,3}}(?:{_STREETS})\b\.?"
    rf"|\b\d{{1,4}}[a-z]?,?\s+(?:[a-z][\w'-]*\s+){{1,3}}(?:{_LOWER_STREETS})\b"
    r"|\b(?i:flat|apartment|apt|house number)\s+\d{1,4}[A-Za-z]?\b"
    rf"|(?i:\b(?:lives?|living|staying|stays|moved|address is|address:)\s+(?:at|on|in|to)?\s*)"
    rf"(?!\d)(?:[A-Za-z][\w'-]*\s+){{1,3}}(?i:{_STREETS})\b",
)
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE = (
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})[a-z]*\.?,?(?:\s+\d{{4}})?"
    rf"|(?:{_MONTHS})[a-z]*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?"
)
_DATE_OF_BIRTH = re.compile(
    rf"\b(?:d\.?o\.?b\.?|date of birth|birth ?date)\s*(?:is|was)?\s*[:\-]?\s*(?:{_DATE}|\d{{4}})"
    rf"|\b(?:born|birthday|b\.)\s+(?:is\s+|was\s+)?(?:on\s+)?(?:the\s+)?(?:{_DATE})"
    rf"|\bborn\s+(?:in\s+)?(?:{_MONTHS})[a-z]*\.?\s+\d{{4}}",
    _CUE_CASE,
)

_NHS_WEIGHTS = range(10, 1, -1)
_PERSONAL_NUMBERS = frozenset({
    phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE, phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.VOIP, phonenumbers.PhoneNumberType.PAGER,
    phonenumbers.PhoneNumberType.UNKNOWN,
})
"""Numbers a person has; freephone, shared-cost and premium ones belong to services."""


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus-11 check: weights 10..2 on the first nine digits."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> Iterator[_Match]:
    for match in _DIGIT_RUN.finditer(text):
        raw = match.group().strip("(). -")
        digits = re.sub(r"\D", "", raw)
        said = _NHS_CONTEXT.search(text[:match.start()]) is not None
        if nhs_number_valid(digits) or (said and len(digits) == 10):
            yield _Match(Kind.NHS_NUMBER, match.start(), match.end(), raw)


def _phones(text: str) -> Iterator[_Match]:
    matcher = phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE)
    for match in matcher:
        number = match.number
        if not match.raw_string.lstrip("(").startswith(("0", "+")):
            continue  # "1234567890": a reference, not a number anyone would dial
        if len(phonenumbers.national_significant_number(number)) < 9:
            continue  # "0800", "111": a fragment or a short service number
        if phonenumbers.number_type(number) in _PERSONAL_NUMBERS:
            yield _Match(Kind.PHONE, match.start, match.end, match.raw_string)


def _simple(pattern: re.Pattern[str], kind: Kind) -> Callable[[str], Iterator[_Match]]:
    def find(text: str) -> Iterator[_Match]:
        for match in pattern.finditer(text):
            raw = match.group()
            start = match.start() + len(raw) - len(raw.lstrip())
            yield _Match(kind, start, start + len(raw.strip()), raw.strip())

    return find


@dataclass(frozen=True)
class _Words:
    """What the name rules need to know about words, for one text."""

    lists: NameLists
    not_names: frozenset[str]

    def key(self, word: str) -> str:
        return re.sub(r"['’]s$", "", plain(word))

    def blocked(self, word: str) -> bool:
        return self.key(word) in self.not_names or (word.isupper() and len(word) > 1)

    def listed(self, word: str) -> bool:
        key = self.key(word)
        return self.lists.is_name(key) and key not in self.lists.common_words

    def surname(self, word: str) -> bool:
        return self.key(word) in self.lists.last and self.listed(word)

    def name_like(self, word: str) -> bool:
        """A word that is a name where the context says "person": capitalised, or listed."""
        if self.blocked(word):
            return False
        return word[0].isupper() or self.listed(word)


def _name_after(text: str, at: int, words: _Words) -> tuple[int, int] | None:
    """The one or two words of a name starting at ``at`` (after a cue), if they are one."""
    first = _NEXT_WORD.match(text, at)
    if first is None or not words.name_like(first.group(1)):
        return None
    end = first.end(1)
    second = _NEXT_WORD.match(text, end)
    if second is not None and text[end:second.start(1)].isspace() and _surname(
            first.group(1), second.group(1), words):
        end = second.end(1)
    if _before_organisation(text, end, words):
        return None
    return first.start(1), end


def _surname(first: str, word: str, words: _Words) -> bool:
    """A word after a first name is its surname if typed in the same case ("Mr O'Brien said")."""
    if words.blocked(word) or first[0].isupper() != word[0].isupper():
        return False
    return word[0].isupper() or words.surname(word)


def _before_organisation(text: str, end: int, words: _Words) -> bool:
    nxt = _NEXT_WORD.match(text, end)
    return nxt is not None and text[end:nxt.start(1)].isspace() and \
        words.key(nxt.group(1)) in ORGANISATION_WORDS


def _cue_names(text: str, words: _Words) -> Iterator[_Match]:
    """Names after a word that says "person": a title, "called", "her son", "name is"."""
    for pattern in (_TITLE, _NAME_IS, _RELATION, _AGE_BEFORE):
        for cue in pattern.finditer(text):
            span = _name_after(text, cue.end(), words)
            if span is not None:
                yield _Match(Kind.AGE if pattern is _AGE_BEFORE else Kind.NAME, cue.start(),
                             span[1], text[cue.start():span[1]])
    for cue in _PERSON_VERB.finditer(text):
        span = _name_after(text, cue.end(), words)
        if span is not None and (" " in text[span[0]:span[1]] or words.listed(
                text[span[0]:span[1]])):
            yield _Match(Kind.NAME, span[0], span[1], text[span[0]:span[1]])
    for cue in _CALLED.finditer(text):
        span = _name_after(text, cue.end(), words)
        if span is None:
            continue
        word = text[span[0]:span[1]].split()[0]
        if _CALLED_WITH_PERSON.match(cue.group()) or words.listed(word):
            yield _Match(Kind.NAME, cue.start(), span[1], text[cue.start():span[1]])


def _possessives(text: str, words: _Words) -> Iterator[_Match]:
    """ "Jake's mum", "kayden's social worker": a name before a relation, unless it is a saint's
    ("St Mary's school")."""
    for match in _POSSESSIVE.finditer(text):
        if words.name_like(match.group(1)) and _word_before(text, match.start()) not in _HOLY:
            yield _Match(Kind.NAME, match.start(), match.end(), match.group())


_LAST_WORD = re.compile(r"(\S+)\s*$")


def _word_before(text: str, index: int) -> str:
    match = _LAST_WORD.search(text[:index])
    return match.group(1).casefold().strip(",;:()") if match else ""


def _aged(text: str, words: _Words) -> Iterator[_Match]:
    """A name with an age or school year after it: "Mia Thompson (14)", "Jake, Year 9"."""
    for token in _TOKEN.finditer(text):
        age = _AGE_AFTER.match(text, token.end())
        word = token.group()
        if age is None or not words.name_like(word):
            continue
        before = _PREVIOUS_WORD.search(text, 0, token.start())
        if before is not None and before.group(1).casefold() in _PLACE_PREPOSITIONS:
            continue  # "families in Seacombe, aged 5": a place, not a person
        start = token.start()
        if before is not None and _is_full_name(before.group(1), word, words):
            start = before.start(1)  # "Mia Thompson (14)", not only "Thompson (14)"
        yield _Match(Kind.AGE, start, age.end(), text[start:age.end()])


_PREVIOUS_WORD = re.compile(rf"({_WORD})[ \t]+$")


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


def _full_names(text: str, words: _Words) -> Iterator[_Match]:
    """Two words that are a first name and a surname, with no context needed."""
    for one, two in itertools.pairwise(_tokens(text)):
        if not text[one.end():two.start()].isspace() or "\n" in text[one.end():two.start()]:
            continue
        if _is_full_name(one.group(), two.group(), words) and not _held(text, one, two, words):
            yield _Match(Kind.NAME, one.start(), two.end(), text[one.start():two.end()])


def _is_full_name(first: str, last: str, words: _Words) -> bool:
    """Same case, not place or service words, and either a listed first name ("Mia Thompson",
    "mia thompson") or a capitalised unlisted one before a listed surname ("Chidi Okafor")."""
    if words.blocked(first) or words.blocked(last) or first[0].isupper() != last[0].isupper():
        return False
    common = words.key(first) in words.lists.common_words
    if not words.lists.is_first(words.key(first)):
        return first[0].isupper() and not common and words.surname(last)
    if first[0].isupper():
        return not common or words.listed(last)
    return not common and words.surname(last)


def _held(text: str, one: re.Match[str], two: re.Match[str], words: _Words) -> bool:
    """Part of a place's or organisation's name: "St James Centre", "Claire House"."""
    return _word_before(text, one.start()) in _HOLY or _before_organisation(text, two.end(),
                                                                             words)


def _single_names(text: str, words: _Words) -> Iterator[_Match]:
    """A capitalised word that can only be a first name: "Jake has waited a year"."""
    for token in _tokens(text):
        word = token.group()
        if not word[0].isupper() or not words.listed(word) or words.blocked(word):
            continue
        if not words.lists.is_first(words.key(word)):
            continue
        if _word_before(text, token.start()) in _HOLY or _in_a_title(text, token, words):
            continue
        yield _Match(Kind.NAME, token.start(), token.end(), word)


def _in_a_title(text: str, token: re.Match[str], words: _Words) -> bool:
    """Followed by another capitalised word: the start of a name like "Victoria Central
    Hospital" (a first name and a surname were taken as a full name before this)."""
    nxt = _NEXT_WORD.match(text, token.end())
    return nxt is not None and text[token.end():nxt.start(1)] == " " and (
        nxt.group(1)[0].isupper() or words.key(nxt.group(1)) in ORGANISATION_WORDS)


_NameFinder = Callable[[str, _Words], Iterator[_Match]]
_NAME_FINDERS: tuple[_NameFinder, ...] = (
    _aged, _cue_names, _possessives, _full_names, _single_names,
)
_FINDERS: tuple[Callable[[str], Iterator[_Match]], ...] = (
    _simple(_EMAIL, Kind.EMAIL),
    _simple(_HANDLE, Kind.HANDLE),
    _nhs_numbers,
    _phones,
    _simple(_POSTCODE, Kind.POSTCODE),
    _simple(_DATE_OF_BIRTH, Kind.DATE_OF_BIRTH),
    _simple(_ADDRESS, Kind.ADDRESS),
)


def _mask_places(text: str, known_places: Iterable[str]) -> str:
    """The bot's own boards, themes and organisations blanked out (same length, so positions
    still point into the member's text): their words are never a person's name."""
    for place in sorted(known_places, key=len, reverse=True):
        if place.strip():
            text = re.sub(re.escape(place), lambda m: "\0" * len(m.group()), text,
                          flags=re.IGNORECASE)
    return text


def _words_for(known_places: Iterable[str]) -> _Words:
    lists = name_lists()
    words = {plain(w) for place in known_places for w in re.findall(r"[\w'’]+", place)}
    # A known place's word is never a name, unless it is a first name ("Claire House" must
    # not hide a girl called Claire); the whole place's name is masked instead.
    return _Words(lists, NOT_NAMES | {w for w in words if w not in lists.first})


def find_identifying_details(text: str, known_places: Iterable[str] = ()) -> list[Finding]:
    """What in ``text`` looks like it identifies a person, in reading order, each once.

    ``known_places`` are the names of boards, services, themes and organisations the bot
    knows: they are never taken for a person's name.
    """
    places = list(known_places)
    words = _words_for(places)
    masked = _mask_places(text, places)
    found: list[_Match] = [m for finder in _FINDERS for m in finder(text)]
    found += [m for finder in _NAME_FINDERS for m in finder(masked, words)]
    taken: list[_Match] = []
    for match in found:  # earlier finders win overlaps: an NHS number is not also a phone
        if not any(match.start < t.end and t.start < match.end for t in taken):
            taken.append(match)
    taken.sort(key=lambda m: m.start)
    return [Finding(m.kind, text[m.start:m.end]) for m in taken]
