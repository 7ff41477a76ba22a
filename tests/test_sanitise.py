"""Feed HTML to Telegram HTML: hostile input, structure, lengths and truncation.

Every output is checked with the strict Telegram HTML parser from ``tests/fakes``: whatever it
accepts, Telegram accepts too.
"""

from __future__ import annotations

import random

import pytest

from feeds.sanitise import (
    ELLIPSIS,
    html_to_plain,
    plain_summary,
    plain_text_length,
    plain_to_html,
    sanitise_html,
    strip_boilerplate,
    truncate_html,
)
from tests.fakes.telegram_html import parse_html, utf16_len

BASE = "https://www.linkedup.example/news/2025/summer-holiday-clubs"


def clean(html: str, base_url: str | None = BASE) -> str:
    """Sanitise and insist the result is valid Telegram HTML."""
    out = sanitise_html(html, base_url=base_url)
    parse_html(out)
    return out


def test_script_and_style_are_dropped_with_their_content() -> None:
    html = "<p>Before<script>alert('x')</script> <style>p { color: red }</style>after</p>"
    assert clean(html) == "Before after"


def test_iframes_images_and_embeds_disappear() -> None:
    html = (
        '<p>Watch <iframe src="https://evil.example/">fallback text</iframe>'
        '<img src="x.png" onerror="alert(1)" alt="a photo"><object data="x.swf">o</object>'
        "<svg><text>vector</text></svg>now</p>"
    )
    assert clean(html) == "Watch now"


def test_event_handlers_and_unknown_attributes_are_dropped() -> None:
    out = clean('<b onclick="steal()" class="x" style="color:red">bold</b>'
                '<a href="https://a.example/" onmouseover="x()" target="_blank">link</a>')
    assert out == '<b>bold</b><a href="https://a.example/">link</a>'


@pytest.mark.parametrize("href", [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java&#x09;script:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
])
def test_dangerous_links_lose_their_href_but_keep_their_text(href: str) -> None:
    assert clean(f'Read <a href="{href}">the news</a> today') == "Read the news today"


def test_relative_links_resolve_against_the_item_link() -> None:
    out = clean('<a href="/events/">Events</a>, <a href="apply">apply</a>, '
                '<a href="//cdn.example/file.pdf">PDF</a>, <a href="#top">top</a>')
    assert out == (
        '<a href="https://www.linkedup.example/events/">Events</a>, '
        '<a href="https://www.linkedup.example/news/2025/apply">apply</a>, '
        '<a href="https://cdn.example/file.pdf">PDF</a>, '
        f'<a href="{BASE}#top">top</a>'
    )


def test_relative_links_without_a_base_keep_only_their_text() -> None:
    assert clean('<a href="/events/">Events</a>', base_url=None) == "Events"


def test_link_urls_are_escaped_for_the_attribute() -> None:
    out = clean('<a href="https://a.example/search?q=a b&amp;t=&quot;x&quot;">s</a>')
    assert out == '<a href="https://a.example/search?q=a%20b&amp;t=%22x%22">s</a>'
    assert parse_html(out).entities[0]["url"] == "https://a.example/search?q=a%20b&t=%22x%22"


def test_only_web_links_are_kept_because_telegram_refuses_others() -> None:
    assert clean('<a href="mailto:info@linkedup.example">info@linkedup.example</a>') == (
        "info@linkedup.example"
    )
    assert clean('<a href="ftp://files.example/x">x</a> <a href="http://">y</a>') == "x y"


def test_unclosed_and_misnested_tags_are_balanced() -> None:
    assert clean("<b>bold <i>both</b> italic") == "<b>bold <i>both</i></b> <i>italic</i>"
    assert clean("<p><b>never closed <u>at all") == "<b>never closed <u>at all</u></b>"
    assert clean("stray </b></i> end tags") == "stray end tags"


def test_text_is_escaped_and_only_telegram_entities_remain() -> None:
    out = clean("Fish &amp; chips &lt;3 &nbsp;5 &gt; 4 &copy; &#169; \"quoted\"")
    assert out == 'Fish &amp; chips &lt;3 \xa05 &gt; 4 © © "quoted"'


def test_lone_surrogates_become_replacement_characters() -> None:
    assert clean("a\ud800b") == "a\ufffdb"


def test_telegram_tags_are_normalised() -> None:
    out = clean("<strong>s</strong> <em>e</em> <ins>i</ins> <del>d</del> <strike>k</strike>")
    assert out == "<b>s</b> <i>e</i> <u>i</u> <s>d</s> <s>k</s>"


def test_paragraphs_lists_and_breaks_become_lines_and_bullets() -> None:
    html = (
        "<h2>Holiday clubs</h2><p>Free places for\n   families:</p>"
        "<ul><li>Mondays</li><li>Wednesdays <b>and</b> Fridays</li></ul>"
        "<p>Call us<br>or email<br><br><br>today.</p><div>Thanks</div>"
    )
    assert clean(html) == (
        "<b>Holiday clubs</b>\n\nFree places for families:\n\n• Mondays\n"
        "• Wednesdays <b>and</b> Fridays\n\nCall us\nor email\n\ntoday.\n\nThanks"
    )


def test_tables_become_lines_of_cells() -> None:
    html = "<table><tr><th>Day</th><th>Time</th></tr><tr><td>Mon</td><td>10am</td></tr></table>"
    assert clean(html) == "Day Time\nMon 10am"


def test_preformatted_text_keeps_its_whitespace() -> None:
    assert clean("<p>Code:</p><pre>  if x:\n      y &lt; 1</pre>") == (
        "Code:\n\n<pre>  if x:\n      y &lt; 1</pre>"
    )


def test_nesting_telegram_rejects_is_flattened() -> None:
    assert clean("<pre><b>bold</b> <a href='https://a.example/'>in pre</a></pre>") == (
        "<pre>bold in pre</pre>"
    )
    assert clean("<b><code>x</code></b>") == "<b>x</b>"
    assert clean("<blockquote>a<blockquote>b</blockquote></blockquote>") == (
        "<blockquote>a\n\nb</blockquote>"
    )
    assert clean("<a href='https://a.example/'>x <a href='https://b.example/'>y</a></a>") == (
        '<a href="https://a.example/">x</a> <a href="https://b.example/">y</a>'
    )


def test_empty_elements_leave_no_empty_tags() -> None:
    assert clean("<p><b></b><i> </i></p><p>text<a href='https://a.example/'></a></p>") == "text"
    assert clean("<script>only a script</script>") == ""


def test_plain_text_summaries_keep_their_line_breaks() -> None:
    assert clean(plain_to_html("Line one <not a tag>\nLine & two")) == (
        "Line one &lt;not a tag&gt;\nLine &amp; two"
    )


def test_plain_text_length_counts_what_telegram_counts() -> None:
    html = clean("<b>Hi</b> &amp; <a href='https://a.example/'>bye</a> 👋")
    assert html_to_plain(html) == "Hi & bye 👋"
    assert plain_text_length(html) == utf16_len("Hi & bye 👋") == 11


def test_truncate_cuts_on_a_word_boundary_and_closes_tags() -> None:
    html = clean("<p>The <b>summer holiday clubs</b> are open for booking now.</p>")
    cut = truncate_html(html, 24)
    assert cut == "The <b>summer holiday</b>…"
    assert plain_text_length(cut) <= 24
    parse_html(cut)


def test_truncate_leaves_short_text_alone() -> None:
    html = clean("<i>short</i>")
    assert truncate_html(html, 5) == html


def test_truncate_cuts_a_single_long_word_hard() -> None:
    assert truncate_html("<b>Supercalifragilistic</b>", 6) == "<b>Super</b>…"


def test_truncate_never_splits_a_surrogate_pair() -> None:
    cut = truncate_html("👋👋👋👋", 6)
    assert cut == "👋👋…"
    assert plain_text_length(cut) == 5


def test_truncate_inside_a_link_keeps_the_link() -> None:
    html = '<a href="https://a.example/?a=1&amp;b=2">read the whole article</a> here'
    cut = truncate_html(html, 10)
    assert cut == '<a href="https://a.example/?a=1&amp;b=2">read the</a>…'
    parse_html(cut)


def test_plain_summary_is_one_short_line() -> None:
    html = "<h1>Title</h1><p>First   paragraph &amp; more.</p><ul><li>one</li></ul>"
    assert plain_summary(html) == "Title First paragraph & more. • one"
    assert plain_summary(html, 20) == "Title First…"


FRAGMENTS = [
    "<p>", "</p>", "<b>", "</b>", "<i>", "<em>", "</em>", "<a href='/x?a=1&b=2'>",
    "<a href='javascript:x'>", "</a>", "<pre>", "</pre>", "<code>", "</code>", "<blockquote>",
    "</blockquote>", "<ul><li>", "</li>", "<br>", "<script>bad()", "</script>", "<style>",
    "<img src=x onerror=y>", "<h3>", "<table><tr><td>", "</td><td>", "word ", "two words ",
    "&amp;", "&nbsp;", "<", ">", "&", "\"", "'", "\n", "  ", "👋", "<u>", "</u>", "<s>", "<!--",
    "-->", "<![CDATA[", "]]>", "<div onclick='x'>", "</div>", "<iframe>", "text", "é",
]


def test_random_tag_soup_always_gives_valid_telegram_html() -> None:
    rng = random.Random(20250601)
    for _ in range(400):
        soup = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 40)))
        out = clean(soup)
        assert "<script" not in out and "onclick" not in out
        for limit in (1, 7, 30):
            cut = truncate_html(out, limit)
            parse_html(cut)
            assert plain_text_length(cut) <= limit


def test_truncation_ellipsis_is_counted() -> None:
    cut = truncate_html("one two three four", 10)
    assert cut.endswith(ELLIPSIS) and plain_text_length(cut) <= 10


@pytest.mark.parametrize(("feed_html", "summary"), [
    ('<p>Our summer clubs return in July [&#8230;]</p><p>The post <a href="https://a.example/c/">'
     'Summer clubs</a> appeared first on <a href="https://a.example">Anytown Network</a>.</p>',
     "Our summer clubs return in July…"),
    ('<p>Grants are open.&hellip; <a href="https://a.example/g/" class="more-link">Continue '
     'reading<span class="screen-reader-text"> "Grants"</span> &rarr;</a></p>',
     "Grants are open.…"),
    ('<p>Text one.</p><p><a href="https://a.example/">Read more</a></p>'
     "<p>This entry was posted in News by admin.</p>", "Text one."),
    ("<blockquote>A quote<br>The post X first appeared on Y.</blockquote>",
     "<blockquote>A quote</blockquote>"),
    ("<p>How to read more books with children.</p><p>Read more books today!</p>",
     "How to read more books with children.\n\nRead more books today!"),
])
def test_feed_boilerplate_is_stripped_and_news_is_kept(feed_html: str, summary: str) -> None:
    out = strip_boilerplate(clean(feed_html))
    parse_html(out)
    assert out == summary
