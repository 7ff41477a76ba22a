"""Checks on what a member types while joining, so bad input gets a precise answer."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True)
class TextRule:
    minimum: int
    maximum: int


ORGANISATION = TextRule(2, 120)
CONTACT_NAME = TextRule(1, 80)
ROLE = TextRule(1, 80)


@dataclass(frozen=True)
class TooShort:
    minimum: int


@dataclass(frozen=True)
class TooLong:
    maximum: int
    length: int


Problem = TooShort | TooLong


def check_text(value: str, rule: TextRule) -> str | Problem:
    """The cleaned value, or what is wrong with it; whitespace runs collapse to one space."""
    cleaned = " ".join(value.split())
    if len(cleaned) < rule.minimum:
        return TooShort(rule.minimum)
    if len(cleaned) > rule.maximum:
        return TooLong(rule.maximum, len(cleaned))
    return cleaned


def normalise_email(value: str) -> str | None:
    """The normalised address, or None if it is not one (no DNS look-up: we are offline-safe)."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
