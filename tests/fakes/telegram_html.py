"""Telegram's HTML ``parse_mode`` subset: a strict parser producing plain text + entities.

The real server silently accepts a few sloppy inputs (unknown attributes, unknown named
entities are kept literally).  This parser is deliberately *stricter* on those points so
that a bot which forgets to escape user-supplied text fails in tests instead of rendering
garbage in production.  Everything it accepts, Telegram accepts too.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API; message
length limits are measured the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HtmlParseError",
    "ParsedText",
    "escape_html",
    "parse_html",
    "plain_text",
    "trim_text",
    "utf16_len",
]

#: Characters Telegram strips from both ends of a message after entity parsing.
TRIM_CHARS = " \t\n\r\v\f"

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_TAG_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_-]*")
_UNQUOTED_VALUE_RE = re.compile(r"[^\s>\"'=<`]*")
_TIME_FORMAT_RE = re.compile(r"r|w?[dD]?[tT]?")

#: tag -> entity type (``None``: handled specially when the tag closes)
_TAGS: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": None,
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
    "code": None,
    "pre": None,
    "blockquote": None,
}

#: attributes each tag may carry; anything else is rejected (Telegram would ignore it)
_ALLOWED_ATTRS: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "span": frozenset({"class"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "tg-time": frozenset({"unix", "format"}),
    "code": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
}


class HtmlParseError(ValueError):
    """Not valid Telegram HTML; ``str(exc)`` is what follows "can't parse entities: "."""


@dataclass(frozen=True)
class ParsedText:
    """Visible text plus Bot API ``MessageEntity`` dicts (offsets in UTF-16 units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the output where the tag's content starts
    attrs: dict[str, str]
    language: str | None = None  # only for <pre>: set by a nested <code class="language-x">
    merged_code: bool = False  # a <code class=language-x> directly inside <pre>


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit Telegram uses for offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def escape_html(text: str) -> str:
    """Escape text for Telegram HTML (the same three characters PTB's helpers escape)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, index: int) -> tuple[str, int]:
    """Decode an ``&...;`` at ``index``; return (text, next index).

    A bare ``&`` not followed by something entity-shaped is literal, as on Telegram.
    """
    match = _ENTITY_RE.match(source, index)
    if match is None:
        return "&", index + 1
    body = match.group(1)
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        except ValueError:  # pragma: no cover - the regex guarantees digits
            code = -1
        if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HtmlParseError(
                f'Invalid numeric HTML entity "{match.group(0)}" at byte offset '
                f"{_byte_offset(source, index)}"
            )
        return chr(code), match.end()
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], match.end()
    raise HtmlParseError(
        f'Unsupported HTML entity "{match.group(0)}" at byte offset '
        f"{_byte_offset(source, index)}; only &lt; &gt; &amp; &quot; and numeric entities "
        "are supported"
    )


def _decode_attr_value(source: str, value: str, value_index: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            try:
                text, i = _decode_entity(value, i)
            except HtmlParseError as exc:
                raise HtmlParseError(
                    f"{exc} (inside an attribute value at byte offset "
                    f"{_byte_offset(source, value_index)})"
                ) from None
            out.append(text)
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _parse_start_tag(source: str, index: int) -> tuple[str, dict[str, str], int]:
    """Parse ``<name attr="v" ...>`` starting at ``index`` (the ``<``)."""
    offset = _byte_offset(source, index)
    name_match = _TAG_NAME_RE.match(source, index + 1)
    assert name_match is not None
    name = name_match.group(0).lower()
    if name not in _TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attrs: dict[str, str] = {}
    i = name_match.end()
    n = len(source)
    while True:
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
        if source[i] == ">":
            return name, attrs, i + 1
        if source[i] == "/":
            raise HtmlParseError(
                f'Self-closing tag "{name}" at byte offset {offset} is not supported'
            )
        attr_match = _ATTR_NAME_RE.match(source, i)
        assert attr_match is not None
        attr = attr_match.group(0).lower()
        if not attr:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {offset}'
            )
        i = attr_match.end()
        while i < n and source[i].isspace():
            i += 1
        value = ""
        if i < n and source[i] == "=":
            i += 1
            while i < n and source[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
            if source[i] in "\"'":
                quote = source[i]
                end = source.find(quote, i + 1)
                if end < 0:
                    raise HtmlParseError(
                        f'Unclosed attribute value in the tag "{name}" at byte offset {offset}'
                    )
                value = _decode_attr_value(source, source[i + 1 : end], i + 1)
                i = end + 1
            else:
                value_match = _UNQUOTED_VALUE_RE.match(source, i)
                assert value_match is not None
                value = _decode_attr_value(source, value_match.group(0), i)
                i = value_match.end()
        if attr not in _ALLOWED_ATTRS.get(name, frozenset()):
            raise HtmlParseError(
                f'Unsupported attribute "{attr}" in the tag "{name}" at byte offset {offset}'
            )
        attrs[attr] = value


def _check_start_tag(name: str, attrs: dict[str, str], stack: list[_OpenTag], offset: int) -> None:
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise HtmlParseError(
            f'Tag "tg-emoji" must have a numeric "emoji-id" attribute at byte offset {offset}'
        )
    if name == "tg-time":
        if not re.fullmatch(r"-?[0-9]+", attrs.get("unix", "")):
            raise HtmlParseError(
                f'Tag "tg-time" must have a numeric "unix" attribute at byte offset {offset}'
            )
        if not _TIME_FORMAT_RE.fullmatch(attrs.get("format", "")):
            raise HtmlParseError(
                f'Invalid date-time format in tag "tg-time" at byte offset {offset}'
            )
    if name == "code" and "class" in attrs:
        inside_pre = bool(stack) and stack[-1].name == "pre"
        if not inside_pre:
            raise HtmlParseError(
                f"Programming language can't be specified for a standalone code tag at byte "
                f"offset {offset}"
            )
        if not attrs["class"].startswith("language-") or attrs["class"] == "language-":
            raise HtmlParseError(
                f'Tag "code" may only have class "language-<name>" at byte offset {offset}'
            )
    if name == "blockquote" and any(t.name == "blockquote" for t in stack):
        raise HtmlParseError(f"Blockquotes can't be nested (byte offset {offset})")


def _entity_for(tag: _OpenTag, end: int) -> dict[str, Any] | None:
    length = end - tag.start
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": tag.start, "length": length}
    name = tag.name
    if name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return None
        entity["type"] = "text_link"
        entity["url"] = href
    elif name == "code":
        if tag.merged_code:
            return None  # folded into the enclosing <pre language=...>
        entity["type"] = "code"
    elif name == "pre":
        entity["type"] = "pre"
        if tag.language:
            entity["language"] = tag.language
    elif name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif name == "tg-time":
        entity["type"] = "date_time"
        entity["unix_time"] = int(tag.attrs["unix"])
        if tag.attrs.get("format"):
            entity["date_time_format"] = tag.attrs["format"]
    else:
        entity_type = _TAGS[name]
        assert entity_type is not None
        entity["type"] = entity_type
    return entity


def _sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into visible text and entities (not yet trimmed).

    Raises ``HtmlParseError`` for anything Telegram would reject and for the stricter cases
    documented in the module docstring.
    """
    out: list[str] = []
    pos = 0  # UTF-16 length of everything in ``out``
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "&":
            text, i = _decode_entity(source, i)
            out.append(text)
            pos += utf16_len(text)
            continue
        if ch != "<":
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            chunk = source[i:j]
            out.append(chunk)
            pos += utf16_len(chunk)
            i = j
            continue
        offset = _byte_offset(source, i)
        if source.startswith("</", i):
            name_match = _TAG_NAME_RE.match(source, i + 2)
            assert name_match is not None
            name = name_match.group(0).lower()
            j = name_match.end()
            while j < n and source[j].isspace():
                j += 1
            if j >= n or source[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
            if not stack:
                raise HtmlParseError(f'Unexpected end tag "</{name}>" at byte offset {offset}')
            if stack[-1].name != name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1].name}>", '
                    f'found "</{name}>"'
                )
            tag = stack.pop()
            entity = _entity_for(tag, pos)
            if entity is not None:
                entities.append(entity)
            i = j + 1
            continue
        name, attrs, i = _parse_start_tag(source, i)
        _check_start_tag(name, attrs, stack, offset)
        tag = _OpenTag(name=name, start=pos, attrs=attrs)
        if name == "code" and "class" in attrs:
            parent = stack[-1]
            if parent.start == pos and parent.language is None:
                parent.language = attrs["class"].removeprefix("language-")
                tag.merged_code = True
        stack.append(tag)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return ParsedText("".join(out), _sort_entities(entities))


def trim_text(parsed: ParsedText) -> ParsedText:
    """Strip surrounding whitespace the way Telegram does, shifting entities to match."""
    text = parsed.text
    stripped_left = text.lstrip(TRIM_CHARS)
    lead = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(TRIM_CHARS)
    total = utf16_len(result)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(0, int(entity["offset"]) - lead)
        end = min(total, int(entity["offset"]) + int(entity["length"]) - lead)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(result, _sort_entities(entities))


def plain_text(html: str) -> str:
    """Visible text of a Telegram-HTML string (trimmed like the server does)."""
    return trim_text(parse_html(html)).text
