"""Feed HTML made safe and readable as Telegram's HTML subset.

Two passes. nh3 does the security work (scripts and styles dropped with their content, event
handlers and ``javascript:``/``data:`` links dropped, relative links resolved, tags balanced)
with a whitelist a little wider than Telegram's, so paragraphs and lists survive it. Then a
small writer turns that well-formed HTML into Telegram HTML: Telegram has no <p>, <br> or <li>,
keeps whitespace as typed, and rejects some nestings, so blocks become line breaks and bullets,
whitespace collapses as a browser would, and entities are nested only as Telegram allows.

Lengths are in UTF-16 code units: Telegram measures a message that way, so an emoji counts two.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import quote, urljoin, urlsplit

import nh3

ELLIPSIS = "…"

# Source tag -> the Telegram tag it becomes; headings stay visible as bold lines.
_TELEGRAM_TAGS = {
    "b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u",
    "s": "s", "strike": "s", "del": "s", "a": "a", "code": "code", "pre": "pre",
    "blockquote": "blockquote", **{f"h{level}": "b" for level in range(1, 7)},
}
# Newlines owed around a block: 2 leaves a blank line, 1 starts a new line.
_BREAKS = {
    **dict.fromkeys(["p", "ul", "ol", "dl", "table", "blockquote", "pre", "figure"], 2),
    **{f"h{level}": 2 for level in range(1, 7)},
    **dict.fromkeys(["div", "li", "tr", "dt", "dd", "hr", "caption", "figcaption", "section",
                     "article", "header", "footer", "aside", "nav", "main", "address"], 1),
}
_CELLS = frozenset({"td", "th"})
_VOID = frozenset({"br", "hr"})
_STRUCTURE = frozenset(_TELEGRAM_TAGS) | frozenset(_BREAKS) | _CELLS | _VOID
_DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "noscript", "noembed", "noframes", "template", "object",
    "applet", "svg", "math", "textarea", "select", "title", "xmp", "plaintext",
})
# Telegram's text links are meant for web addresses; mailto: and the rest keep only their text.
_LINK_SCHEMES = frozenset({"http", "https"})
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_LAST_SPACE = re.compile(r"\s\S*$")
_TOP_LEVEL_ONLY = frozenset({"pre", "code", "blockquote"})
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # unencodable: nh3 and Telegram refuse them


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _safe_href(href: str | None) -> str | None:
    """An absolute http(s) URL Telegram will accept, or None to keep just the text."""
    if not href:
        return None
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.netloc:
        return None
    return quote(parts.geturl(), safe=_URL_SAFE)


def _resolver(base_url: str | None) -> Callable[[str], str | None]:
    def resolve(url: str) -> str | None:
        if not base_url:
            return None
        try:
            absolute = urljoin(base_url, url)
        except ValueError:
            return None
        return absolute if urlsplit(absolute).scheme.lower() in _LINK_SCHEMES else None

    return resolve


@dataclass
class _Open:
    tag: str  # the source tag, to match its end tag
    name: str | None  # the Telegram tag it became, None when it only contributes text
    markup: str = ""
    written: bool = False  # opened lazily, so an element with no text leaves no empty tag


class _TelegramWriter(HTMLParser):
    """Writes nh3's well-formed output as Telegram HTML; see the module docstring."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._open: list[_Open] = []
        self._owed_newlines = 0
        self._owed_space = False
        self._at_gap = True  # the output ends in whitespace (or is empty): no space needed
        self._started = False

    def result(self) -> str:
        self.close()
        for element in reversed(self._open):
            if element.written:
                self._out.append(f"</{element.name}>")
        return "".join(self._out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._owe_newlines(_BREAKS.get(tag, 0))
        if tag == "br":
            self._owed_newlines = min(self._owed_newlines + 1, 2)
        if tag in _VOID:
            return
        if tag == "li":
            self._write("• ")
        self._owed_space = self._owed_space or tag in _CELLS
        self._open.append(self._element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if all(element.tag != tag for element in self._open):
            return
        while self._open:
            element = self._open.pop()
            if element.written:
                self._out.append(f"</{element.name}>")
            if element.tag == tag:
                break
        self._owe_newlines(_BREAKS.get(tag, 0))
        self._owed_space = self._owed_space or tag in _CELLS

    def handle_data(self, data: str) -> None:
        if any(element.tag == "pre" for element in self._open):
            self._write(data)
            return
        text = _HTML_SPACE.sub(" ", data)
        self._owed_space = self._owed_space or text.startswith(" ")
        if text.strip(" "):
            self._write(text.strip(" "))
        self._owed_space = text.endswith(" ")

    def _element(self, tag: str, attrs: dict[str, str | None]) -> _Open:
        """Telegram rejects some nestings; an element that may not nest here keeps only its text.

        Nothing nests in pre or code, nor an entity in itself, and pre, code and blockquote
        are kept only at the top level, which is stricter than Telegram but always accepted.
        """
        name = _TELEGRAM_TAGS.get(tag)
        active = {element.name for element in self._open if element.name}
        if name is None or active & {"pre", "code"} or name in active:
            return _Open(tag, None)
        if name in _TOP_LEVEL_ONLY and active:
            return _Open(tag, None)
        if name != "a":
            return _Open(tag, name, f"<{name}>")
        href = _safe_href(attrs.get("href"))
        if href is None:
            return _Open(tag, None)
        return _Open(tag, name, f'<a href="{escape(href, quote=True)}">')

    def _owe_newlines(self, count: int) -> None:
        self._owed_newlines = max(self._owed_newlines, count)

    def _write(self, text: str) -> None:
        if self._owed_newlines and self._started:
            self._out.append("\n" * self._owed_newlines)
            self._at_gap = True
        if self._owed_space and not self._at_gap:
            self._out.append(" ")
        self._owed_newlines, self._owed_space = 0, False
        for element in self._open:
            if element.name and not element.written:
                self._out.append(element.markup)
                element.written = True
        self._out.append(escape(text, quote=False))
        self._started = True
        self._at_gap = text[-1:].isspace()


def sanitise_html(html: str, *, base_url: str | None = None) -> str:
    """Untrusted feed HTML as valid Telegram HTML; relative links resolve against base_url."""
    cleaned = nh3.clean(
        _LONE_SURROGATE.sub("\ufffd", html),
        tags=set(_STRUCTURE),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={"a": {"href"}},
        link_rel=None,
        url_schemes=set(_LINK_SCHEMES),
        url_relative=_resolver(base_url),
    )
    writer = _TelegramWriter()
    writer.feed(cleaned)
    return writer.result()


def plain_to_html(text: str) -> str:
    """Plain text (a feed's text/plain summary) as HTML that keeps its line breaks."""
    return escape(text, quote=False).replace("\n", "<br>")


class _Token(NamedTuple):
    kind: str  # "start", "end" or "text"
    value: str  # the raw start tag, the end tag's name, or unescaped text
    name: str = ""


class _Tokeniser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[_Token] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(_Token("start", self.get_starttag_text() or f"<{tag}>", tag))

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(_Token("end", tag, tag))

    def handle_data(self, data: str) -> None:
        self.tokens.append(_Token("text", data))


def _tokens(telegram_html: str) -> list[_Token]:
    tokeniser = _Tokeniser()
    tokeniser.feed(telegram_html)
    tokeniser.close()
    return tokeniser.tokens


def html_to_plain(telegram_html: str) -> str:
    """The text a reader sees once Telegram has parsed the entities."""
    return "".join(token.value for token in _tokens(telegram_html) if token.kind == "text")


def plain_text_length(telegram_html: str) -> int:
    """Length as Telegram counts it against its limits: visible text, in UTF-16 code units."""
    return _utf16_len(html_to_plain(telegram_html))


def _fitting_prefix(text: str, budget: int) -> int:
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > budget:
            return index
    return len(text)


def _word_cut(text: str, budget: int) -> int:
    """Where to cut text to fit budget: at a word boundary unless one word alone is too long."""
    cut = _fitting_prefix(text, budget)
    if cut < len(text) and not text[cut].isspace():
        last_space = _LAST_SPACE.search(text[:cut])
        if last_space and last_space.start() > 0:
            cut = last_space.start()
    return len(text[:cut].rstrip())


def _rebuild(tokens: list[_Token], cut: int) -> str:
    """The first cut characters of text with their tags, every tag left open closed."""
    out: list[str] = []
    open_names: list[str] = []
    used = 0
    for token in tokens:
        if used >= cut:
            break
        if token.kind == "text":
            out.append(escape(token.value[: cut - used], quote=False))
            used += len(token.value)
        elif token.kind == "start":
            out.append(token.value)
            open_names.append(token.name)
        elif open_names and open_names[-1] == token.name:
            out.append(f"</{open_names.pop()}>")
    out.extend(f"</{name}>" for name in reversed(open_names))
    return "".join(out)


def truncate_html(telegram_html: str, limit: int) -> str:
    """Telegram HTML shortened to limit (ellipsis included) on a word boundary, tags intact."""
    tokens = _tokens(telegram_html)
    plain = "".join(token.value for token in tokens if token.kind == "text")
    if _utf16_len(plain) <= limit:
        return telegram_html
    return _rebuild(tokens, _word_cut(plain, limit - len(ELLIPSIS))) + ELLIPSIS


def plain_summary(html: str, limit: int = 200) -> str:
    """One line of plain text from feed HTML, for titles, previews and keyword matching."""
    plain = " ".join(html_to_plain(sanitise_html(html)).split())
    if _utf16_len(plain) <= limit:
        return plain
    return plain[: _word_cut(plain, limit - len(ELLIPSIS))] + ELLIPSIS


# Lines publishing software adds to every item (matched on the line's visible text): WordPress
# and Yoast's "The post … appeared first on …", "Continue reading", "This entry was posted in".
_BOILERPLATE_LINES = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    r"^the post .+ (?:appeared first|first appeared) on .+$",
    r"^continue reading\b.{0,160}$",
    r"^(?:read more|keep reading|read the full (?:post|article|story))\s*[→»›….!:]*$",
    r"^this (?:entry|post) was posted in .+$",
    r"^\[\s*(?:…|\.\.\.)\s*\]$",
    r"^(?:share this|like this)\s*:?$",
))
_MORE = r"(?:continue reading|read more|keep reading)"
# The same markers at the end of an excerpt's last line: " […]", "… Continue reading →".
_TRAILING_MARKER = re.compile(
    rf"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|<a\b[^>]*>\s*{_MORE}\b[^<]*</a>|{_MORE}\s*[→»›…]+)\s*$",
    re.IGNORECASE,
)


def strip_boilerplate(telegram_html: str) -> str:
    """A summary without the lines the website's software adds to every item.

    Read once in a bulletin they are noise; read in 25 items they bury the news. A trailing
    "[…]" becomes a plain ellipsis, so the reader still sees that the text goes on.
    """
    kept = [line for line in telegram_html.split("\n") if not _is_boilerplate(line)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    trimmed = text
    while (shorter := _TRAILING_MARKER.sub("", trimmed)) != trimmed:
        trimmed = shorter
    if trimmed != text and trimmed and not trimmed.endswith(ELLIPSIS):
        trimmed += ELLIPSIS
    return _balanced(trimmed)


def _is_boilerplate(line: str) -> bool:
    text = " ".join(html_to_plain(line).split())
    return any(pattern.match(text) for pattern in _BOILERPLATE_LINES) or bool(
        _TRAILING_MARKER.fullmatch(line.strip()) and text)


def _balanced(telegram_html: str) -> str:
    """Removing a line may leave a tag opened on an earlier line: rebuild closes it."""
    tokens = _tokens(telegram_html)
    return _rebuild(tokens, sum(len(t.value) for t in tokens if t.kind == "text"))
