"""Clean news-page text for the geoparser, with an offset map back to the original.

Scraped articles carry page debris around the story: inline "Recommended:" teasers glued
into paragraphs, "Read more" links, reading-time lines, share buttons, a repeated headline,
pull quotes that repeat the body, sidebars ("More In ...", "Related", "Most Read") and lists
of linked headlines, reader comments, comment/newsletter forms, cookie banners, and text of
the page's machinery (JSON, PHP dumps, scripts, style sheets) pasted along with the story.
Places named there are not places the article is about, so they must not reach the map.

``clean_text`` never rewrites a character: the clean text is the original with spans
deleted. Where a deletion would glue two words together one separator character (a space,
or a newline when the deleted span held one) is inserted; it maps to the start of the
deleted span. Every part of the original is described by a ``Segment`` (kept or removed),
so a report can show what was dropped and why.

All rules are generic patterns of news pages; none knows any particular article.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

KEPT_KINDS = frozenset({"title", "body", "caption"})

TITLE_MAX_CHARS = 200
CAPTION_WINDOW_LINES = 4  # non-empty lines after the title that may hold a photo caption
CAPTION_CREDIT_MAX_CHARS = 400
CAPTION_ELLIPSIS_MAX_CHARS = 800
TEASER_MAX_CHARS = 250  # an inline teaser headline is never longer than this
READ_MORE_HEADLINE_MAX_CHARS = 160
PULL_QUOTE_MAX_CHARS = 500
PULL_QUOTE_MAX_CANDIDATES = 50  # attribution-like lines examined per text
DATELINE_MAX_CHARS = 150
# A sidebar/comments cut must leave at least this much article before it, else only the
# trigger line is dropped (a "5 Comments" counter at the top of a page is not a section).
CUT_MIN_BODY_CHARS = 200
CUT_MIN_BODY_SHARE = 0.3
# A linked headline: one capitalised sentence of a few words, no final full stop.
HEADLINE_MAX_CHARS = 120
HEADLINE_MIN_WORDS = 3
# A list of links without a heading needs this many headlines in a row, and a sign that they
# are links (a date, "Read more", Title Case, the end of the page) unless it has
# LINK_LIST_SURE_LINES of them.
LINK_LIST_MIN_LINES = 3
LINK_LIST_SURE_LINES = 5
PROSE_MIN_WORDS = 5  # a story paragraph after a mid-story sidebar list
TITLE_CASE_SHARE = 0.7  # capitalised share of the longer words of a Title Case headline
FORM_MAX_CHARS = 400  # comment/newsletter form and cookie banner lines are never longer
# Code debris: a run of lines is code when this share of its non-space characters are code
# tokens (punctuation, JSON keys, dump types, script keywords, CSS declarations); a line
# joins a run from CODE_LINE_MIN_SHARE on. News prose stays far below both (at most ~15 %).
CODE_MIN_SHARE = 0.4
CODE_LINE_MIN_SHARE = 0.3


@dataclass(frozen=True)
class Segment:
    """A span of the ORIGINAL text with what it is and, when removed, why."""

    start: int
    end: int
    kind: str  # "title" | "body" | "caption" | "dateline" | "boilerplate"
    reason: str  # "" for body

    @property
    def kept(self) -> bool:
        return self.kind in KEPT_KINDS


@dataclass(frozen=True)
class _Piece:
    """A run of the clean text: kept original characters or one separator."""

    clean_start: int
    length: int
    orig_start: int  # separator: start of the removed span it stands for
    orig_end: int  # separator: end of the removed span
    kind: str
    separator: bool = False


@dataclass
class CleanText:
    """Clean text plus the map back to the original (see module docstring)."""

    original: str
    text: str
    segments: list[Segment]
    source_hint: str | None = None
    _pieces: list[_Piece] = field(default_factory=list, repr=False, compare=False)
    _starts: list[int] = field(default_factory=list, repr=False, compare=False)

    def _piece(self, offset: int) -> _Piece:
        if not 0 <= offset < len(self.text):
            raise IndexError(f"clean offset {offset} outside 0..{len(self.text) - 1}")
        return self._pieces[bisect_right(self._starts, offset) - 1]

    def to_original(self, offset: int) -> int:
        """Original offset of the clean character at ``offset``.

        ``offset == len(text)`` maps to the end of the last kept character.
        A separator maps to the start of the removed span it replaces.
        """
        if offset == len(self.text):
            return self._end_to_original(offset)
        piece = self._piece(offset)
        if piece.separator:
            return piece.orig_start
        return piece.orig_start + (offset - piece.clean_start)

    def _end_to_original(self, end: int) -> int:
        if end == 0:
            return self._pieces[0].orig_start if self._pieces else 0
        piece = self._piece(end - 1)
        if piece.separator:
            return piece.orig_start
        return piece.orig_start + (end - piece.clean_start)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the clean span [start, end) to an original span.

        Without a separator inside, ``original[os:oe] == text[start:end]``. A span starting
        on a separator starts after the removed text; one ending on it stops before it.
        """
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"clean span ({start}, {end}) outside 0..{len(self.text)}")
        if start == end:
            if start == len(self.text):
                pos = self._end_to_original(start)
            else:
                piece = self._piece(start)
                pos = piece.orig_end if piece.separator else self.to_original(start)
            return pos, pos
        first = self._piece(start)
        orig_start = first.orig_end if first.separator else self.to_original(start)
        return orig_start, max(orig_start, self._end_to_original(end))

    def gap_in(self, start: int, end: int) -> int | None:
        """First clean offset inside the span [start, end) where removed text was, or None.

        Without one, the span is a single run of the original. With one, it reads across
        removed text: "in Basra <teaser> City officials said" is "in Basra City officials
        said" once the teaser is gone. The offset is that of the separator standing for the
        removed text, or of the first character after it.
        """
        if start >= end or not self._pieces:
            return None
        first = bisect_right(self._starts, start) - 1
        previous: _Piece | None = None
        for piece in self._pieces[first:]:
            if piece.clean_start >= end:
                break
            if piece.separator:
                return max(start, piece.clean_start)
            if previous is not None and piece.orig_start != previous.orig_end:
                return piece.clean_start
            previous = piece
        return None

    def text_broken_at_gaps(self) -> str:
        """The clean text with a line break at each place where removed text was.

        Same length and offsets as ``text``: the separator, or the white space on one side
        of the gap (there is always one when no separator was needed), becomes "\n". A
        pattern that never crosses a line (a date) then never reads across removed text.
        """
        chars = list(self.text)
        for previous, piece in zip(self._pieces, self._pieces[1:], strict=False):
            at = piece.clean_start
            if piece.separator:
                chars[at] = "\n"
            elif not previous.separator and piece.orig_start != previous.orig_end:
                if chars[at - 1].isspace():
                    chars[at - 1] = "\n"
                elif chars[at].isspace():
                    chars[at] = "\n"
        return "".join(chars)

    def kind_at(self, offset: int) -> str:
        """Kind of the kept segment holding clean ``offset`` ("body" for a separator)."""
        return self._piece(offset).kind

    def removed(self) -> list[Segment]:
        """Boilerplate segments, in order (datelines are listed by ``datelines``)."""
        return [s for s in self.segments if s.kind == "boilerplate"]

    def datelines(self) -> list[str]:
        """The date part of each dateline segment, e.g. "June 1, 2015"."""
        dates: list[str] = []
        for seg in self.segments:
            if seg.kind != "dateline":
                continue
            match = _DATE_RE.search(self.original, seg.start, seg.end)
            if match:
                dates.append(match.group(0))
        return dates


# ---------------------------------------------------------------------------------------
# Patterns (generic page boilerplate)

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)
_DAY = r"(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:{_DAY}\s+{_MONTH}\.?,?\s+(?:19|20)\d\d"
    rf"|{_MONTH}\.?\s+{_DAY},?\s+(?:19|20)\d\d"
    r"|(?:19|20)\d\d-[01]\d-[0-3]\d"
    r"|[0-3]?\d[/.][0-3]?\d[/.](?:19|20)\d\d)"
)
_DATE_RE = re.compile(rf"(?<!\w){_DATE}(?!\w)")
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|Mon|Tue|Tues|Wed|Thu|Thur|Fri|Sat|Sun)"
_TIME = r"(?:\s*(?:,|at|-|–|\|)?\s*[0-2]?\d[:.][0-5]\d(?:\s*(?i:[ap]\.?m\.?))?(?:\s+[A-Z]{2,4})?)"
_DATELINE_DEBRIS = (
    r"(?:[\s|•·/,:»«–—-]"
    r"|\d+\s+(?:comments?|responses?|replies)"
    r"|no\s+comments|comments?|leave\s+a\s+(?:comment|reply)"
    r"|\d+\s*min(?:ute)?s?\.?\s+read"
    r"|share|print|e-?mail"
    r"|by\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})*"
)
_DATELINE_RE = re.compile(
    r"\s*(?:(?:Published|Posted|Updated|Last\s+updated|Last\s+modified|First\s+published|Date)"
    r"(?:\s+on)?\s*:?\s*)?"
    rf"(?:{_WEEKDAY}\.?,?\s+)?{_DATE}{_TIME}?"
    rf"(?i:{_DATELINE_DEBRIS})\s*"
)

_READING_TIME_RE = re.compile(
    r"(?i:\d+\s*(?:-\s*)?(?:min|mins|minutes?)\.?\s+read"
    r"|reading\s+time\s*:?\s*\d+\s*(?:min|mins|minutes?)\.?"
    r"|\d+\s*(?:min|mins|minutes?)\s+reading(?:\s+time)?)"
)

_SHARE_TOKEN = (
    r"(?:share(?:\s+this(?:\s+(?:article|story|post|page))?)?|share\s+on\s+\w+|tweet|e-?mail"
    r"|print|whatsapp|facebook|twitter|linkedin|reddit|pinterest|telegram|flipboard"
    r"|copy\s+link|save|messenger)"
)
_SHARE_RES = [
    re.compile(rf"(?i:{_SHARE_TOKEN}(?:\s*[|•·/,]?\s*{_SHARE_TOKEN})*)"),
    re.compile(r"(?i:(?:twitter|x|facebook|instagram|telegram)\s*:\s*@\w+)"),
    re.compile(r"@\w{2,}"),
    re.compile(r"(?i:follow\s+(?:us|@\w+|me)\b.{0,80})"),
    re.compile(r"(?i:(?:subscribe|subscribe\s+now|subscribe\s+to\s+.{1,60}))"),
    re.compile(r"(?i:click\s+here\b.{0,150})"),
    re.compile(
        r"(?i:advertisement|advertising|sponsored(?:\s+content)?"
        r"|story\s+continues\s+below(?:\s+advertisement)?)"
    ),
]

_CREDIT_WORDS = (
    r"(?:AFP|AP|Reuters|REUTERS|Anadolu(?:\s+Agency)?|Getty(?:\s+Images)?|EPA|Xinhua|DPA|dpa"
    r"|ANSA|Shutterstock|Sputnik|TASS|SANA|Photo|PHOTO|Image|Credit|Courtesy|courtesy)"
)
_CAPTION_CREDIT_RE = re.compile(
    rf"\(\s*(?:[^()\n]{{0,80}}?\b)?{_CREDIT_WORDS}\b[^()\n]{{0,80}}\)\s*\.?\s*$"
)
_CAPTION_PREFIX_RE = re.compile(r"\s*(?:Photo|PHOTO|Image|IMAGE|Picture|Caption)\s*:")
_CAPTION_ELLIPSIS_RE = re.compile(r"(?:…|\.\.\.)\s*$")
_CREDIT_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
_AGENCY = (
    r"(?:Getty\s+Images|AFP|AP\s+Photo|AP|Reuters|REUTERS|Anadolu(?:\s+Agency)?|EPA|Xinhua"
    r"|Shutterstock)"
)
# "AFP/Getty Images", "Photo by John Moore/Getty Images", "REUTERS/Ahmed Jadallah"
_CREDIT_ONLY_RE = re.compile(
    r"\(?\s*(?:(?:Photo|Image|Picture|Credit)s?(?:\s+by|\s+credit)?\s*:?\s*)?"
    rf"(?:{_CREDIT_NAME}\s*(?:/|,|via)?\s*)?{_AGENCY}"
    rf"(?:\s*/\s*(?:{_AGENCY}|{_CREDIT_NAME}))?\s*\)?\.?"
)

_READ_MORE_END_RE = re.compile(r"\s*\b(?:Read more|Read More|READ MORE)\s*[»›→>.…]*\s*$")

_TEASER_LABEL_RE = re.compile(
    r"(?<![^\s.!?\"”’)\]])"
    r"(?P<label>Recommended|RECOMMENDED|Read more|Read More|READ MORE|Related|RELATED"
    r"|Also read|Also Read|ALSO READ|Read also|Read Also|See also|See Also|Suggested"
    r"|Must read|Must Read|Don't miss|Don’t miss|Read next|Read Next)\s*:"
)
# Camel-case words that are not a teaser glued to the next sentence.
_CAMEL_WORDS = frozenset(
    {
        "youtube",
        "whatsapp",
        "paypal",
        "linkedin",
        "iphone",
        "ipad",
        "ipod",
        "ebay",
        "powerpoint",
        "javascript",
        "fedex",
        "wikileaks",
        "wordpress",
        "soundcloud",
        "tiktok",
        "dreamworks",
        "playstation",
        "blackberry",
    }
)
_TEASER_SPACED_END_RE = re.compile(
    r"(?:(?<=[a-z0-9]{2}[.!?])|(?<=[!?]))[\"”’]?[ \t]+(?=[“‘\"]?[A-Z])|[ \t]+(?=[“‘]|\"[A-Z])"
)
# "...leaders meet over the crisis The ministry said": an all-lowercase word, then a
# capitalised function word that starts a sentence.
_TEASER_FUNCTION_WORD_RE = re.compile(
    r"(?<![\w'’-])[a-z][a-z'’-]*(?P<gap>[ \t]+)(?=(?:The|A|An|But|And|In|On|At|He|She|It|They|We"
    r"|This|That|These|Those|His|Her|Their|Its|However|Meanwhile|According|After|Before|When"
    r"|While|Last|Earlier|Officials|Police)\s)"
)
_NAME_PREFIXES = frozenset({"Mc", "Mac", "De", "Di", "Du", "Da", "La", "Le", "Van", "Von", "Fitz"})
_GLUE_PREV_OK = frozenset('.!?)]”"…')

_HEADING_WORDS = r"[A-Z0-9][\w&'’.-]*(?:\s+(?:[A-Z0-9&][\w&'’.-]*|of|and|the|for|on|in|&)){0,6}"
# Headings of sidebars and link lists ("Most Read", "Related Stories", "More from World").
_SIDEBAR_HEADINGS = (
    r"more\s+(?:stories|news|articles|coverage|headlines|videos|to\s+read)",
    r"related(?:\s+(?:articles?|stories|posts|content|coverage|news|reading|topics|links"
    r"|videos))?",
    r"you\s+(?:may|might)\s+(?:also\s+(?:like|enjoy|be\s+interested\s+in)|have\s+missed)",
    r"recommended(?:\s+(?:for\s+you|stories|articles|reading))?",
    r"most\s+(?:read|popular|viewed|shared|commented|recent)",
    r"popular(?:\s+(?:stories|articles|posts|news|now))?",
    r"trending(?:\s+(?:now|stories|news|topics))?",
    r"read\s+next|what\s+to\s+read\s+next|further\s+reading|see\s+also|must\s+read",
    r"top\s+(?:stories|news|headlines)",
    r"latest\s+(?:news|stories|articles|headlines|posts|videos)",
    r"recent\s+(?:posts|stories|articles|news)",
    r"editor'?’?s\s+(?:picks?|choice)",
    r"around\s+the\s+web|from\s+the\s+web|promoted\s+stories|in\s+other\s+news",
    r"don'?’?t\s+miss|in\s+case\s+you\s+missed\s+it|what'?’?s\s+hot",
)
_SIDEBAR_RE = re.compile(
    rf"(?:(?i:more\s+(?:in|from|on|about))\s+{_HEADING_WORDS}"
    rf"|(?i:{'|'.join(_SIDEBAR_HEADINGS)}))\s*:?"
)
# Lines that go with the headlines of a link list: a date, "3 hours ago", "Read more", a byline.
_TIME_AGO = r"\d+\s+(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?)\s+ago"
_LINK_SIGN_RE = re.compile(
    rf"(?:{_WEEKDAY}\.?,?\s+)?{_DATE}{_TIME}?|(?i:{_TIME_AGO}|read\s+more\s*[»›→>.…]*)"
)
_BYLINE_RE = re.compile(rf"(?i:by)\s+{_CREDIT_NAME}(?:\s*(?:,|and|&)\s*{_CREDIT_NAME})*")
_BULLET_RE = re.compile(r"\s*(?:[-–—•*·▪►»]|\d{1,2}[.)])\s+")
_LIST_SEPARATORS = " \t|•·,–—-"
_LONG_WORD_RE = re.compile(r"[^\W\d_][\w'’-]{3,}")


def _any_line(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive pattern for a whole line made of one of ``phrases``."""
    return re.compile(rf"(?i:{'|'.join(phrases)})\s*")


# Page furniture around the story: whole lines, matched case-insensitively.
_COMMENT_FORM = (
    r"your\s+e-?mail(?:\s+address)?\s+will\s+not\s+be\s+(?:published|shared|displayed)\b.*",
    r"required\s+fields\s+are\s+(?:marked|indicated)\b.*",
    r"(?:name|e-?mail|website|comment|message)\s*(?:\*|\(required\))\s*:?",
    r"save\s+my\s+name\b.*",
    r"notify\s+me\s+of\s+(?:follow-?up\s+comments|new\s+(?:posts|comments|replies))\b.*",
    r"you\s+must\s+be\s+(?:logged|signed)\s+in\s+to\s+(?:post\s+a\s+)?comment\b.*",
    r"(?:log|sign)\s+in\s+to\s+(?:comment|reply)\b.*",
    r"be\s+the\s+first\s+to\s+comment\b.*",
    r"comments\s+are\s+closed\.?|cancel\s+reply|post\s+comment|submit\s+(?:comment|reply)",
)
_NEWSLETTER_FORM = (
    r"(?:sign\s+up|subscribe|register)(?:\s+now)?\s+(?:for|to)\b.{0,80}\bnewsletters?\b.*",
    r"(?:get|receive|join)\b.{0,80}\b(?:newsletters?|(?:in|to)\s+your\s+inbox)\b.*",
    r"enter\s+(?:your\s+)?e-?mail(?:\s+address)?\b.*",
    r"(?:your\s+)?e-?mail\s+address\s*\*?\s*:?",
    r"thanks?(?:\s+you)?\s+for\s+(?:subscribing|signing\s+up)\b.*",
    r"by\s+(?:signing\s+up|subscribing|submitting|clicking|entering)\b.{0,200}"
    r"\b(?:agree|consent|privacy|terms)\b.*",
    r"(?:(?:daily|weekly)\s+)?newsletters?\s*:?|sign\s+up(?:\s+now)?\s*!?",
    r"invalid\s+e-?mail\b.*|(?:please\s+)?(?:enter|provide)\s+a\s+valid\s+e-?mail\b.*",
)
# A cookie banner speaks of the site and the reader's consent, not of biscuits.
_BANNER = (
    r"(?=.*\b(?:experience|brows|(?:web)?site|consent|privacy|polic|accept|agree|settings"
    r"|preferences|choices|personali|advert|analytics|traffic|third[- ]part|(?:find\s+out"
    r"|learn|read)\s+more))"
)
_COOKIE_NOTICE = (
    rf"(?:we|this\s+(?:web)?site|our\s+(?:web)?site|this\s+page)\s+uses?\s+cookies\b{_BANNER}.*",
    r"by\s+(?:continuing\s+to\s+(?:use|browse|visit)|using)\s+(?:this|our|the)\s+(?:web)?site"
    r"\b.*",
    r"(?:accept|reject|decline|allow|refuse|manage)(?:\s+all)?"
    r"(?:\s+(?:cookies|cookie\s+settings|preferences|consent))?",
    r"cookies?\s+(?:settings|policy|preferences|consent|notice)\b.{0,60}",
    r"we\s+(?:value|care\s+about)\s+your\s+privacy\b.*",
    r"i\s+(?:agree|accept)|got\s+it\s*!?",
)
_FOOTER_LINK = (
    r"(?:privacy\s+(?:policy|notice|settings)|terms\s+(?:of\s+(?:use|service)|(?:and|&)\s+"
    r"conditions)|cookie\s+policy|contact\s+us|about\s+us|site\s*map|advertise(?:\s+with\s+us)?)"
)
_SITE_FOOTER = (
    rf"{_FOOTER_LINK}(?:\s*[|•·,/]\s*{_FOOTER_LINK})*",
    r"(?:©|\(c\)|copyright)\s*©?\s*(?:19|20)\d\d\b.{0,150}",
    r".{0,150}\ball\s+rights\s+reserved\b.{0,60}",
)
_FORM_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("comment form", _any_line(_COMMENT_FORM)),
    ("newsletter form", _any_line(_NEWSLETTER_FORM)),
    ("cookie notice", _any_line(_COOKIE_NOTICE)),
    ("site footer", _any_line(_SITE_FOOTER)),
)

# Code tokens, one group per kind of debris. A quoted string alone is not a token (prose
# quotes people); as the value of a JSON key or a PHP dump it is.
_CODE_TOKEN_RE = re.compile(
    r"(?P<json>\"[^\"\n]{1,80}\"\s*:\s*(?:\"(?:[^\"\\\n]|\\.)*\"|-?\d[\d.eE+-]*|true|false|null)?)"
    r"|(?P<dump>\[[^\]\n]{0,80}\]\s*=>.*|\b(?:array|object)\([^)\n]{0,60}\)(?:#\d+)?\s*(?:\(\d+\))?"
    r"\s*\{|\bstring\(\d+\)\s*\".*|\b(?:int|float|bool)\([^)\s]{1,30}\)|\bNULL\b|\bArray\s*\Z|=>)"
    r"|(?P<script>\b(?:var|let|const)\s+[\w$]+\s*=|\bfunction\b\s*[\w$]*\s*\("
    r"|\b[\w$]+(?:\.[\w$]+)+(?=\s*[(=])|(?<=[\w)\]'\"])\s*(?:&&|\|\||[!=]==?)\s*(?=[\w'\"(\[!]))"
    r"|(?P<css>(?<![\w-])[a-z-]{2,40}\s*:\s*[^;:{}\n\"\s]+(?:\s+[^;:{}\n\"\s]+){0,3}\s*;"
    r"|[.#][\w-]+(?=[^{}\n]*\{)|\A\s*[a-z][\w-]*(?:\s*,\s*[a-z][\w-]*)*\s*\{\s*\Z"
    r"|@(?:media|import|font-face|keyframes)\b|!important)"
    r"|(?P<punct>[{}\[\]();=<>|\\$,]+)"
)
_CODE_KINDS = {"json": "JSON", "dump": "PHP dump", "script": "script", "css": "CSS"}
_CODE_STRONG = frozenset("{}")  # punctuation prose hardly uses; "(", "[", ";" and "," it does

_NUMBER_WORDS = r"(?:no|one|two|three|four|five|six|seven|eight|nine|ten)"
_COMMENTS_HEAD_RE = re.compile(
    r"(?i:leave\s+a\s+(?:reply|comment)|post\s+a\s+comment|add\s+a\s+comment"
    r"|join\s+the\s+(?:discussion|conversation)|reader\s+comments|show\s+comments"
    r"|view\s+comments|comments?|discussion"
    rf"|(?:\d+|{_NUMBER_WORDS})\s+(?:comments?|responses?|replies|thoughts?\s+on\b.*)"
    r"(?:\s*/\s*\d+\s+(?:comments?|responses?|replies))?)\s*[»:]?"
)
_SAID_VERBS = r"(?:said|says|wrote|writes|replied|replies|commented)"
_COMMENT_AUTHOR_RE = re.compile(
    r"\s*(?P<num>\d{1,3}[.)]\s*)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}\s+"
    rf"(?P<verb>(?i:{_SAID_VERBS}))\s*:\s*"
)
_NUMBERED_ONE_RE = re.compile(r"\s*1[.)]\s+\S")
_ATTRIBUTION_RE = re.compile(r"\s*[–—―-]{1,2}\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}\s*")
_SOURCE_TRAILER_RE = re.compile(
    r"(?<![^\s.!?\"”’)\]])(?P<label>Sources?:[ \t]*)(?P<src>[^\s:][^\n:]{0,79}?)[ \t]*\Z"
)
_SENTENCE_BREAK_RE = re.compile(r"[a-z0-9)\]]{2}[.!?][\"”’]?\s+[\"“‘]?[A-Z]")
_SENTENCE_END = frozenset(".!?\"”’':;)]…")
_ELLIPSIS_SPLIT_RE = re.compile(r"…|\.\.\.")
_SPACE_RE = re.compile(r"\s+")


# ---------------------------------------------------------------------------------------
# Lines


@dataclass(frozen=True)
class _Line:
    start: int  # first character
    end: int  # end of the content (before "\r\n" / "\n")
    next: int  # start of the next line
    text: str
    blank: bool  # only white space


def _split_lines(raw: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    n = len(raw)
    while pos < n:
        nl = raw.find("\n", pos)
        nxt = n if nl < 0 else nl + 1
        end = n if nl < 0 else nl
        if end > pos and raw[end - 1] == "\r":
            end -= 1
        text = raw[pos:end]
        lines.append(_Line(pos, end, nxt, text, not text.strip()))
        pos = nxt
    return lines


def _starts_upper(text: str) -> bool:
    """Boilerplate lines start with a capital, digit or symbol, never a lowercase letter."""
    stripped = text.lstrip()
    return bool(stripped) and not stripped[0].islower()


def _is_dateline(text: str) -> bool:
    return len(text) <= DATELINE_MAX_CHARS and _DATELINE_RE.fullmatch(text) is not None


def _line_rule(text: str) -> str | None:
    """Reason to drop a whole line of the article, or None."""
    stripped = text.strip()
    if not _starts_upper(stripped):
        return None
    if len(stripped) <= FORM_MAX_CHARS:
        for reason, rule in _FORM_RULES:
            if rule.fullmatch(stripped):
                return reason
    if _READING_TIME_RE.fullmatch(stripped):
        return "reading time"
    if len(stripped) <= 200 and any(r.fullmatch(stripped) for r in _SHARE_RES):
        return "share debris"
    if len(stripped) <= 120 and _CREDIT_ONLY_RE.fullmatch(stripped):
        return "photo credit"
    return None


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return _SPACE_RE.sub(" ", text).strip().casefold()


def _is_headline(text: str, *, bullets: bool = False) -> bool:
    """A short capitalised one-sentence line without a final full stop: a linked headline.

    A date, "3 hours ago" or "Read more" may follow it. A bulleted or date-led line is a
    headline only under a sidebar heading (``bullets``): in a story it is a list item.
    """
    stripped = text.strip()
    bullet = _BULLET_RE.match(stripped)
    if bullet:
        if not bullets:
            return False
        stripped = stripped[bullet.end() :]
    elif _LINK_SIGN_RE.match(stripped) and not bullets:
        return False  # "March 3, 2015 – Rebels take the airport": an entry of a timeline
    if len(stripped) > HEADLINE_MAX_CHARS:
        return False
    core = _LINK_SIGN_RE.sub(" ", stripped).strip(_LIST_SEPARATORS)
    if not core or not (core[0].isupper() or core[0].isdigit() or core[0] in "\"“‘'"):
        return False
    if core[-1] in ".,;:" or len(core.split()) < HEADLINE_MIN_WORDS:
        return False
    return not (_SENTENCE_BREAK_RE.search(core) or _BYLINE_RE.fullmatch(core))


def _is_link_extra(text: str) -> bool:
    """A line that goes with linked headlines: only a date, "Read more", a byline."""
    rest = _LINK_SIGN_RE.sub(" ", text).strip(_LIST_SEPARATORS)
    if not rest:  # a date or "Read more", not a blank line or a "—" rule
        return _LINK_SIGN_RE.search(text) is not None
    return _BYLINE_RE.fullmatch(rest) is not None


def _is_prose(text: str) -> bool:
    """A paragraph of the story: a few words ending like a sentence, not a headline."""
    stripped = text.strip()
    return (
        len(stripped.split()) >= PROSE_MIN_WORDS
        and stripped[-1] in _SENTENCE_END
        and not _is_headline(stripped)
    )


def _is_title_case(text: str) -> bool:
    words = _LONG_WORD_RE.findall(text)
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= TITLE_CASE_SHARE * len(words)


@dataclass(frozen=True)
class _CodeLine:
    code: int  # non-space characters inside code tokens
    chars: int  # non-space characters
    strong: bool  # holds a token prose never has (a brace, a JSON key, a dump type...)
    kinds: dict[str, int]  # code characters per token kind


def _code_line(text: str) -> _CodeLine | None:
    """Code token counts of a line that may belong to code debris, or None."""
    chars = len(text) - text.count(" ") - text.count("\t")
    if chars == 0:
        return None
    kinds: dict[str, int] = {}
    for match in _CODE_TOKEN_RE.finditer(text):
        token = match.group()
        kind = match.lastgroup or "punct"
        kinds[kind] = kinds.get(kind, 0) + len(token) - token.count(" ") - token.count("\t")
    code = sum(kinds.values())
    if code < CODE_LINE_MIN_SHARE * chars:
        return None
    strong = bool(kinds.keys() - {"punct"}) or any(c in _CODE_STRONG for c in text)
    return _CodeLine(code, chars, strong, kinds)


def _code_kind(run: list[_CodeLine]) -> str | None:
    """Name of the code a run of lines is, or None when it reads as text."""
    code = sum(line.code for line in run)
    if code < CODE_MIN_SHARE * sum(line.chars for line in run):
        return None
    if not any(line.strong for line in run):
        return None  # "[1]", "(AFP)", "=====": punctuation, but no code
    totals: dict[str, int] = {}
    for line in run:
        for kind, count in line.kinds.items():
            if kind != "punct":
                totals[kind] = totals.get(kind, 0) + count
    if not totals:
        return "code"
    return _CODE_KINDS[max(totals, key=lambda kind: totals[kind])]


# ---------------------------------------------------------------------------------------
# Finding spans


@dataclass
class _Plan:
    raw: str
    lines: list[_Line]
    # line index -> (kind, reason) of a whole removed line
    line_marks: dict[int, tuple[str, str]] = field(default_factory=dict)
    # extra spans: (start, end, kind, reason)
    spans: list[tuple[int, int, str, str]] = field(default_factory=list)
    cut: int = 0  # original offset where the tail section starts (len(raw) if none)
    cut_line: int = 0  # index of the first line of the tail section
    source_hint: str | None = None

    def mark(self, index: int, kind: str, reason: str) -> None:
        self.line_marks.setdefault(index, (kind, reason))


def _body_prefix(plan: _Plan) -> list[int]:
    """Characters of not yet removed text before each line (and in all of them, last)."""
    sums = [0]
    for i, line in enumerate(plan.lines):
        sums.append(sums[-1] + (0 if i in plan.line_marks else len(line.text.strip())))
    return sums


def _next_nonblank(lines: list[_Line], start: int, count: int) -> list[int]:
    """Indexes of the first ``count`` non-blank lines from ``start`` on."""
    found: list[int] = []
    j = start
    while j < len(lines) and len(found) < count:
        if not lines[j].blank:
            found.append(j)
        j += 1
    return found


def _comment_start(plan: _Plan, index: int) -> int | None:
    """Line index where a comments section starting at line ``index`` begins, or None."""
    lines = plan.lines
    text = lines[index].text.strip()
    if _COMMENTS_HEAD_RE.fullmatch(text):
        return index
    match = _COMMENT_AUTHOR_RE.fullmatch(lines[index].text)
    if not match:
        return None
    if not match.group("num"):
        verb_capital = match.group("verb")[0].isupper()
        following = [ln for ln in lines[index + 1 : index + 4] if not ln.blank][:2]
        if not verb_capital and not any(_DATE_RE.search(ln.text) for ln in following):
            return None
        return index
    # "3. Name Said:" inside numbered comments: the section starts at comment "1."
    indent = len(lines[index].text) - len(lines[index].text.lstrip())
    for back in range(index, max(-1, index - 400), -1):
        line = lines[back].text
        if _NUMBERED_ONE_RE.match(line) and len(line) - len(line.lstrip()) == indent:
            return back
    return index


def _tail_trigger(plan: _Plan, index: int) -> tuple[int, str] | None:
    """(first line, reason) of a sidebar or comments section headed by line ``index``."""
    line = plan.lines[index]
    stripped = line.text.strip()
    if not stripped or len(stripped) > 120 or not _starts_upper(stripped):
        return None
    if index in plan.line_marks or _is_dateline(line.text):
        return None
    if _SIDEBAR_RE.fullmatch(stripped):
        return index, f"sidebar: {stripped.rstrip(':').strip()}"
    start = _comment_start(plan, index)
    return None if start is None else (start, "comments section")


def _sidebar_list(lines: list[_Line], heading: int) -> tuple[int, bool]:
    """End of the headline list under a sidebar heading, and whether the story goes on.

    The story goes on when the list is followed by paragraphs, not by more sidebar: the
    next two lines (or the last one) read as prose. A headline, then its blurb, then the
    next headline is a sidebar with blurbs, which runs to the end of the page.
    """
    end = j = heading + 1
    items = 0
    while j < len(lines):
        text = lines[j].text
        if _is_headline(text, bullets=True):
            items += 1
        elif not (lines[j].blank or _is_link_extra(text)):
            break
        j += 1
        end = end if lines[j - 1].blank else j
    if not items:
        return heading + 1, False
    following = _next_nonblank(lines, j, 2)
    return end, bool(following) and all(_is_prose(lines[k].text) for k in following)


def _find_cut(plan: _Plan) -> None:
    """Sidebars and comment sections run to the end of the page.

    A sidebar heading and its list inside the story (paragraphs follow) are dropped alone,
    and so is a heading with too little article before it to be the end of the page.
    """
    lines = plan.lines
    body = _body_prefix(plan)
    plan.cut, plan.cut_line = len(plan.raw), len(lines)
    i = 0
    while i < len(lines):
        trigger = _tail_trigger(plan, i)
        if trigger is None:
            i += 1
            continue
        start, reason = trigger
        end, goes_on = (i + 1, False)
        if reason.startswith("sidebar"):
            end, goes_on = _sidebar_list(lines, i)
        before = body[start]
        if not goes_on and (
            before >= CUT_MIN_BODY_CHARS or (body[-1] and before >= CUT_MIN_BODY_SHARE * body[-1])
        ):
            plan.cut, plan.cut_line = lines[start].start, start
            plan.spans.append((plan.cut, len(plan.raw), "boilerplate", reason))
            return
        for k in range(i, end):  # a list in the story, or a lone counter/heading near the top
            plan.mark(k, "boilerplate", reason)
        i = end


def _link_run(plan: _Plan, start: int) -> tuple[int, int, bool]:
    """End, headline count and whether a link sign (date, "Read more") is in the run of
    headline lines from ``start``; blank lines and link extras may stand between them."""
    lines = plan.lines
    end = j = start
    heads, signs = 0, False
    while j < plan.cut_line and j not in plan.line_marks:
        text = lines[j].text
        if _is_headline(text):
            heads += 1
            signs = signs or _LINK_SIGN_RE.search(text) is not None
        elif _is_link_extra(text) and not lines[j].blank:
            signs = True
        elif not lines[j].blank:
            break
        j += 1
        end = end if lines[j - 1].blank else j
    return end, heads, signs


def _is_link_list(plan: _Plan, start: int, end: int, heads: int, signs: bool) -> bool:
    """Whether headline lines start..end (no heading) are a list of links, not a story's."""
    lines = plan.lines
    before = start - 1
    while before >= 0 and lines[before].blank:
        before -= 1
    if before >= 0 and before not in plan.line_marks:
        intro = lines[before].text
        if intro.rstrip()[-1:] == ":" or _is_link_extra(intro):
            return False  # "The demands are:" or a date before each entry: the story's list
    if heads >= LINK_LIST_SURE_LINES or signs:
        return True
    title_case = sum(_is_title_case(lines[k].text) for k in range(start, end))
    if title_case * 2 >= heads:
        return True
    after = end
    while after < plan.cut_line and lines[after].blank:
        after += 1
    return after >= plan.cut_line  # nothing but the list after it: the foot of the page


def _find_link_lists(plan: _Plan) -> None:
    """Runs of headline lines without a heading: a pasted list of links to other stories."""
    lines = plan.lines
    title = next((i for i, ln in enumerate(lines) if not ln.blank and i not in plan.line_marks), -1)
    i = 0
    while i < plan.cut_line:
        if lines[i].blank or i == title or i in plan.line_marks or not _is_headline(lines[i].text):
            i += 1
            continue
        end, heads, signs = _link_run(plan, i)
        if heads >= LINK_LIST_MIN_LINES and _is_link_list(plan, i, end, heads, signs):
            for k in range(i, end):
                plan.mark(k, "boilerplate", "link list")
        i = max(end, i + 1)


def _find_code(plan: _Plan) -> None:
    """JSON, PHP dumps, scripts and style sheets: runs of lines made mostly of code tokens."""
    lines = plan.lines
    i = 0
    while i < len(lines):
        first = None if lines[i].blank else _code_line(lines[i].text)
        if first is None:
            i += 1
            continue
        run, end, j = [first], i + 1, i + 1
        while j < len(lines):
            line = None if lines[j].blank else _code_line(lines[j].text)
            if line is None and not lines[j].blank:
                break
            j += 1
            if line is not None:
                run.append(line)
                end = j
        kind = _code_kind(run)
        if kind:
            for k in range(i, end):
                plan.mark(k, "boilerplate", f"code debris: {kind}")
        i = end


def _find_source_trailer(plan: _Plan) -> None:
    head = plan.raw[: plan.cut].rstrip()
    window_start = max(0, len(head) - 120)
    match = _SOURCE_TRAILER_RE.search(head, window_start)
    if not match:
        return
    src = match.group("src").strip().rstrip(".").strip()
    if not src or len(src.split()) > 8:
        return
    start = match.start()
    while start > 0 and plan.raw[start - 1] in " \t":
        start -= 1
    plan.source_hint = src
    plan.spans.append((start, plan.cut, "boilerplate", "source trailer"))


def _mark_lines(plan: _Plan) -> None:
    for i, line in enumerate(plan.lines[: plan.cut_line]):
        if line.blank or i in plan.line_marks:
            continue
        if _is_dateline(line.text):
            plan.mark(i, "dateline", "dateline")
            continue
        reason = _line_rule(line.text)
        if reason:
            plan.mark(i, "boilerplate", reason)
            continue
        tail = _READ_MORE_END_RE.search(line.text)
        if tail and _starts_upper(line.text):
            before = line.text[: tail.start()].strip()
            headline = len(before) <= READ_MORE_HEADLINE_MAX_CHARS
            if headline and not _SENTENCE_BREAK_RE.search(before):
                plan.mark(i, "boilerplate", "teaser: Read more")  # a headline linking elsewhere
            else:  # a paragraph cut short by its link: keep the words, drop the link
                plan.spans.append(
                    (line.start + tail.start(), line.end, "boilerplate", "read-more link")
                )


def _nonblank_after(plan: _Plan, index: int, limit: int) -> list[int]:
    return [
        j
        for j in range(index + 1, min(limit, plan.cut_line))
        if not plan.lines[j].blank and j not in plan.line_marks
    ]


def _find_title(plan: _Plan) -> int | None:
    lines = plan.lines
    first = [i for i in range(plan.cut_line) if not lines[i].blank][:3]
    candidates = [i for i in first if i not in plan.line_marks]
    if not candidates:
        return None
    t = candidates[0]
    text = lines[t].text.strip()
    if len(text) >= TITLE_MAX_CHARS or text.endswith(".") or not any(c.isalpha() for c in text):
        return None
    plan.spans.append((lines[t].start, lines[t].end, "title", "title"))
    for j in range(t + 1, plan.cut_line):
        if lines[j].blank:
            continue
        if _norm(lines[j].text) == _norm(text) and any(c.isupper() for c in text):
            plan.mark(j, "boilerplate", "repeated title")  # a headline has a capital letter
        break
    return t


def _find_captions(plan: _Plan, title: int | None) -> None:
    lines = plan.lines
    start = -1 if title is None else title
    window = _nonblank_after(plan, start, plan.cut_line)[:CAPTION_WINDOW_LINES]
    for j in window:
        text = lines[j].text.strip()
        if (len(text) <= CAPTION_CREDIT_MAX_CHARS and _CAPTION_CREDIT_RE.search(text)) or (
            len(text) <= CAPTION_ELLIPSIS_MAX_CHARS and _CAPTION_ELLIPSIS_RE.search(text)
        ):
            plan.spans.append((lines[j].start, lines[j].end, "caption", "photo caption"))
    for j in range(plan.cut_line):
        line = lines[j]
        if j in plan.line_marks or line.blank or len(line.text) > CAPTION_CREDIT_MAX_CHARS:
            continue
        if _CAPTION_PREFIX_RE.match(line.text):
            plan.spans.append((line.start, line.end, "caption", "photo caption"))


def _repeats_body(normalized: str, quote: str) -> bool:
    """Whether the quote's words also stand elsewhere in the (normalized) text."""
    fragments = [_norm(f).strip(" \"'") for f in _ELLIPSIS_SPLIT_RE.split(quote)]
    fragments = [f for f in fragments if len(f) >= 15]
    if not fragments:
        return False
    found = []
    for frag in fragments:
        first = normalized.find(frag)
        if first >= 0 and normalized.find(frag, first + 1) >= 0:  # the quote itself + a repeat
            found.append(frag)
    return sum(map(len, found)) * 2 >= sum(map(len, fragments)) or any(len(f) >= 40 for f in found)


def _find_pull_quotes(plan: _Plan) -> None:
    """A quote set off as a block with its attribution line under it, repeating words of
    the body (a pull quote), is removed; where it was dropped into the middle of a
    sentence, the two halves are joined."""
    lines, raw = plan.lines, plan.raw
    normalized: str | None = None
    checked = 0
    for a in range(1, plan.cut_line):
        block = _attributed_block(plan, a)
        if block is None:
            continue
        q_start, q_end = block
        quote = raw[lines[q_start].start : lines[q_end].end]
        if len(quote.strip()) > PULL_QUOTE_MAX_CHARS or checked >= PULL_QUOTE_MAX_CANDIDATES:
            continue
        checked += 1
        if normalized is None:
            normalized = _norm(raw[: plan.cut])
        if _repeats_body(normalized, quote):
            _remove_pull_quote(plan, q_start, a)


def _next_filled(plan: _Plan, index: int, step: int) -> int:
    """The first non-blank line from `index` on (step 1) or back (step -1); -1 or
    `plan.cut_line` when there is none."""
    while 0 <= index < plan.cut_line and plan.lines[index].blank:
        index += step
    return index


def _attributed_block(plan: _Plan, a: int) -> tuple[int, int] | None:
    """When line `a` is an attribution ("- Name, title") under a block of text that is
    not a dashed list and not already removed: that block's first and last lines."""
    lines = plan.lines
    if a in plan.line_marks or not _ATTRIBUTION_RE.fullmatch(lines[a].text):
        return None
    nxt = _next_filled(plan, a + 1, 1)
    if nxt < plan.cut_line and lines[nxt].text.lstrip()[:1] in "–—―-":
        return None  # a dashed list, not an attribution
    q_end = _next_filled(plan, a - 1, -1)
    if q_end < 0:
        return None
    q_start = q_end
    while q_start > 0 and not lines[q_start - 1].blank:
        q_start -= 1
    if any(k in plan.line_marks for k in range(q_start, q_end + 1)):
        return None
    if lines[q_end].text.lstrip()[:1] in "–—―-":
        return None
    return q_start, q_end


def _remove_pull_quote(plan: _Plan, q_start: int, attribution: int) -> None:
    lines = plan.lines
    before = _next_filled(plan, q_start - 1, -1)
    after = _next_filled(plan, attribution + 1, 1)
    for k in range(q_start, attribution + 1):
        plan.mark(k, "boilerplate", "pull quote")
    prev_text = lines[before].text.rstrip() if before >= 0 else ""
    next_text = lines[after].text.lstrip() if after < plan.cut_line else ""
    cut_sentence = prev_text and next_text and prev_text[-1] not in _SENTENCE_END
    if cut_sentence and next_text[0].islower():
        # The quote was dropped into the middle of a sentence: join both halves.
        plan.spans.append((lines[before].end, lines[after].start, "boilerplate", "pull quote"))


def _glue_boundary(raw: str, start: int, stop: int) -> int | None:
    """First place in raw[start:stop] where a word is glued to the next sentence."""
    for p in range(start + 1, min(stop, len(raw) - 1)):
        ch, prev, nxt = raw[p], raw[p - 1], raw[p + 1]
        if not (ch.isupper() and nxt.islower()):
            continue
        if not (prev.isalnum() or prev in _GLUE_PREV_OK):
            continue
        if prev == '"' and (p < 2 or raw[p - 2].isspace()):
            continue  # an opening quote, not one closing a glued headline
        if prev.isalpha():
            w0 = p - 1
            while w0 > 0 and raw[w0 - 1].isalpha():
                w0 -= 1
            w1 = p + 1
            while w1 < len(raw) and raw[w1].isalpha():
                w1 += 1
            if raw[w0:w1].lower() in _CAMEL_WORDS or raw[w0:p] in _NAME_PREFIXES:
                continue
            if raw[w0:p].islower() and p - w0 == 1:  # iPhone-like
                continue
        return p
    return None


def _spaced_teaser_end(raw: str, head: int, limit: int) -> int | None:
    """End of a teaser headline followed by a space and the next sentence, or None."""
    ends = []
    nxt = _TEASER_SPACED_END_RE.search(raw, head, limit)
    if nxt:
        end = nxt.start()
        while raw[end] in '"”’':
            end += 1
        ends.append(end)
    word = _TEASER_FUNCTION_WORD_RE.search(raw, head, limit)
    if word:
        ends.append(word.start("gap"))
    return min(ends) if ends else None


def _teaser_end(raw: str, line: _Line, label_start: int, head: int) -> int | None:
    """End of the teaser headline starting at ``head`` (after its label), or None."""
    if raw[head].islower():
        return None  # "Related: the army said ..." goes on as prose, not as a headline
    limit = min(line.end, head + TEASER_MAX_CHARS)
    short_rest = line.end - head <= TEASER_MAX_CHARS
    at_line_start = not raw[line.start : label_start].strip()
    end = _glue_boundary(raw, head, limit)
    if end is None and at_line_start and short_rest:
        end = line.end  # a teaser line of its own
    if end is None:
        end = _spaced_teaser_end(raw, head, limit)
    if end is None and short_rest and not _SENTENCE_BREAK_RE.search(raw, head, line.end):
        end = line.end
    return end


def _find_teasers(plan: _Plan) -> None:
    raw, lines = plan.raw, plan.lines
    line_starts = [line.start for line in lines]
    for match in _TEASER_LABEL_RE.finditer(raw, 0, plan.cut):
        idx = bisect_right(line_starts, match.start()) - 1
        line = lines[idx]
        if idx in plan.line_marks or match.end() > line.end:
            continue
        head = match.end()
        while head < line.end and raw[head] in " \t\u00a0":
            head += 1
        if head >= line.end:
            continue  # a bare "Related:" heading is handled as a sidebar
        reason = f"teaser: {match.group('label')}"
        end = _teaser_end(raw, line, match.start(), head)
        if end is None:  # no safe end: drop the label, keep the words
            end, reason = match.end(), "teaser label"
        start = match.start()
        if not raw[line.start : start].strip() and end == line.end:
            plan.mark(idx, "boilerplate", reason)
            continue
        while end == line.end and start > line.start and raw[start - 1] in " \t":
            start -= 1
        if start > line.start and raw[start - 1] in " \t":
            while end < line.end and raw[end] in " \t":  # leave one space, not two
                end += 1
        plan.spans.append((start, end, "boilerplate", reason))


# Encyclopedic pages' reference marks: "[12]", "[note 1]", "[a]", "[citation needed]",
# always glued to the word or stop before them. Glued to a name ("Jabrayil,[56]") they
# make it unreadable to the tokenizer. A "[1]" standing alone is left as it is.
_CITATION_MARK_RE = re.compile(
    r"(?<=[^\s\[\]])(?:\[(?:\d{1,3}|[a-z]|(?:note|nb|n) ?\d{1,3}|citation needed"
    r"|clarification needed|when\?|who\?|dubious[^\]\n]{0,20}|failed verification"
    r"|not in citation given)\])+"
)


def _find_citation_marks(plan: _Plan) -> None:
    for match in _CITATION_MARK_RE.finditer(plan.raw, 0, plan.cut):
        plan.spans.append((match.start(), match.end(), "boilerplate", "citation mark"))


def _absorb_blank_lines(plan: _Plan) -> None:
    """A removed block set off by blank lines takes the blank lines after it along."""
    after_break = True
    absorbing: tuple[str, str] | None = None
    for i, line in enumerate(plan.lines[: plan.cut_line]):
        mark = plan.line_marks.get(i)
        if mark is not None:
            if after_break:
                absorbing = mark
            continue
        if line.blank:
            if absorbing is not None:
                plan.line_marks[i] = absorbing
            else:
                after_break = True
            continue
        absorbing, after_break = None, False


# ---------------------------------------------------------------------------------------
# Building the result

_PRIORITY = {"body": 0, "title": 1, "caption": 2, "dateline": 3, "boilerplate": 4}


def _paint(plan: _Plan) -> list[Segment]:
    raw = plan.raw
    spans = list(plan.spans)
    for i, (kind, reason) in plan.line_marks.items():
        line = plan.lines[i]
        spans.append((line.start, line.next, kind, reason))
    spans = [s for s in spans if s[0] < s[1]]
    cuts = sorted({0, len(raw), *(s[0] for s in spans), *(s[1] for s in spans)})
    labels: list[tuple[str, str]] = [("body", "")] * (len(cuts) - 1)
    for start, end, kind, reason in sorted(spans, key=lambda s: _PRIORITY[s[2]]):
        lo = bisect_right(cuts, start) - 1
        hi = bisect_right(cuts, end) - 1
        for k in range(lo, hi):
            labels[k] = (kind, reason)
    # Removed material at the end takes the whitespace before it along.
    last_kept = None
    for k in range(len(labels) - 1, -1, -1):
        if labels[k][0] in KEPT_KINDS and raw[cuts[k] : cuts[k + 1]].strip():
            last_kept = k
            break
    trailing_removed = any(
        labels[k][0] not in KEPT_KINDS
        for k in range(0 if last_kept is None else last_kept + 1, len(labels))
    )
    segments: list[Segment] = []

    def add(start: int, end: int, kind: str, reason: str) -> None:
        if start >= end:
            return
        if segments and segments[-1].kind == kind and segments[-1].reason == reason:
            prev = segments.pop()
            start = prev.start
        segments.append(Segment(start, end, kind, reason))

    for k, (kind, reason) in enumerate(labels):
        start, end = cuts[k], cuts[k + 1]
        if trailing_removed and kind in KEPT_KINDS and (last_kept is None or k >= last_kept):
            text = raw[start:end]
            keep = len(text.rstrip()) if k == last_kept else 0
            add(start, start + keep, kind, reason)
            add(start + keep, end, "boilerplate", "trailing whitespace")
            continue
        add(start, end, kind, reason)
    return segments


def _build(raw: str, segments: list[Segment], source_hint: str | None) -> CleanText:
    parts: list[str] = []
    pieces: list[_Piece] = []
    pos = 0
    gap_start: int | None = None
    for seg in segments:
        if not seg.kept:
            if gap_start is None:
                gap_start = seg.start
            continue
        if gap_start is not None:
            gap = raw[gap_start : seg.start]
            if parts and not parts[-1][-1].isspace() and not raw[seg.start].isspace():
                sep = "\n" if "\n" in gap else " "
                parts.append(sep)
                pieces.append(_Piece(pos, 1, gap_start, seg.start, "body", separator=True))
                pos += 1
            gap_start = None
        chunk = raw[seg.start : seg.end]
        parts.append(chunk)
        pieces.append(_Piece(pos, len(chunk), seg.start, seg.end, seg.kind))
        pos += len(chunk)
    text = "".join(parts)
    clean = CleanText(raw, text, segments, source_hint)
    clean._pieces = pieces
    clean._starts = [p.clean_start for p in pieces]
    return clean


def clean_text(raw: str) -> CleanText:
    """Split ``raw`` into kept and removed segments and build the clean text."""
    plan = _Plan(raw, _split_lines(raw))
    _find_code(plan)
    _find_cut(plan)
    _find_link_lists(plan)
    _find_source_trailer(plan)
    _mark_lines(plan)
    title = _find_title(plan)
    _find_pull_quotes(plan)
    _find_captions(plan, title)
    _find_teasers(plan)
    _find_citation_marks(plan)
    _absorb_blank_lines(plan)
    return _build(raw, _paint(plan), plan.source_hint)
