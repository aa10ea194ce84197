"""Clean news-page text for the geoparser, with an offset map back to the original.

Scraped articles carry page debris around the story: inline "Recommended:" teasers glued
into paragraphs, "Read more" links, reading-time lines, share buttons, a repeated headline,
pull quotes that repeat the body, sidebars ("More In ...", "Related") and reader comments.
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
    re.compile(r"(?i:sign\s+up\s+(?:for|to)\s+(?:our|the|my)\b.{0,40}newsletter.{0,80})"),
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
_SIDEBAR_RE = re.compile(
    rf"(?:(?i:more\s+(?:in|from|on|about))\s+{_HEADING_WORDS}"
    r"|(?i:more\s+(?:stories|news|articles|coverage|headlines)"
    r"|related(?:\s+(?:articles?|stories|posts|content|coverage|news|reading|topics|links))?"
    r"|you\s+(?:may|might)\s+also\s+(?:like|enjoy|be\s+interested\s+in)"
    r"|recommended(?:\s+(?:for\s+you|stories|articles|reading))?"
    r"|most\s+(?:read|popular|viewed|shared|commented)|trending(?:\s+(?:now|stories))?"
    r"|read\s+next|what\s+to\s+read\s+next|further\s+reading|top\s+stories"
    r"|latest\s+(?:news|stories|articles)|editor'?’?s\s+picks|around\s+the\s+web"
    r"|from\s+the\s+web|promoted\s+stories|in\s+other\s+news|don'?’?t\s+miss"
    r"|popular\s+(?:stories|articles|now)))\s*:?"
)
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

    @property
    def blank(self) -> bool:
        return not self.text.strip()


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
        lines.append(_Line(pos, end, nxt, raw[pos:end]))
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


def _body_chars(lines: list[_Line], upto: int) -> int:
    return sum(len(line.text.strip()) for line in lines[:upto])


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


def _find_cut(plan: _Plan) -> None:
    """Sidebars and comment sections run to the end of the page."""
    lines = plan.lines
    total = _body_chars(lines, len(lines))
    plan.cut, plan.cut_line = len(plan.raw), len(lines)
    for i, line in enumerate(lines):
        stripped = line.text.strip()
        if not stripped or len(stripped) > 120 or not _starts_upper(stripped):
            continue
        if _is_dateline(line.text):
            continue
        start: int | None = None
        reason = ""
        if _SIDEBAR_RE.fullmatch(stripped):
            start, reason = i, f"sidebar: {stripped.rstrip(':').strip()}"
        else:
            start = _comment_start(plan, i)
            reason = "comments section"
        if start is None:
            continue
        before = _body_chars(lines, start)
        if before >= CUT_MIN_BODY_CHARS or (total and before >= CUT_MIN_BODY_SHARE * total):
            plan.cut, plan.cut_line = lines[start].start, start
            plan.spans.append((plan.cut, len(plan.raw), "boilerplate", reason))
            return
        plan.mark(i, "boilerplate", reason)  # a lone counter/heading near the top


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
        if _norm(lines[j].text) == _norm(text):
            plan.mark(j, "boilerplate", "repeated title")
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
    lines, raw = plan.lines, plan.raw
    normalized: str | None = None
    checked = 0
    for a in range(1, plan.cut_line):
        if a in plan.line_marks or not _ATTRIBUTION_RE.fullmatch(lines[a].text):
            continue
        nxt = a + 1
        while nxt < plan.cut_line and lines[nxt].blank:
            nxt += 1
        if nxt < plan.cut_line and lines[nxt].text.lstrip()[:1] in "–—―-":
            continue  # a dashed list, not an attribution
        q_end = a - 1
        while q_end >= 0 and lines[q_end].blank:
            q_end -= 1
        q_start = q_end
        while q_start > 0 and not lines[q_start - 1].blank:
            q_start -= 1
        if q_end < 0 or any(k in plan.line_marks for k in range(q_start, q_end + 1)):
            continue
        if lines[q_end].text.lstrip()[:1] in "–—―-":
            continue
        quote = raw[lines[q_start].start : lines[q_end].end]
        if len(quote.strip()) > PULL_QUOTE_MAX_CHARS or checked >= PULL_QUOTE_MAX_CANDIDATES:
            continue
        checked += 1
        if normalized is None:
            normalized = _norm(raw[: plan.cut])
        if not _repeats_body(normalized, quote):
            continue
        before = q_start - 1
        while before >= 0 and lines[before].blank:
            before -= 1
        after = a + 1
        while after < plan.cut_line and lines[after].blank:
            after += 1
        for k in range(q_start, a + 1):
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
        label = match.group("label")
        reason = f"teaser: {label}"
        limit = min(line.end, head + TEASER_MAX_CHARS)
        short_rest = line.end - head <= TEASER_MAX_CHARS
        at_line_start = not raw[line.start : match.start()].strip()
        end = _glue_boundary(raw, head, limit)
        if end is None and at_line_start and short_rest:
            end = line.end  # a teaser line of its own
        if end is None:
            end = _spaced_teaser_end(raw, head, limit)
        if end is None and short_rest and not _SENTENCE_BREAK_RE.search(raw, head, line.end):
            end = line.end
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
    _find_cut(plan)
    _find_source_trailer(plan)
    _mark_lines(plan)
    title = _find_title(plan)
    _find_pull_quotes(plan)
    _find_captions(plan, title)
    _find_teasers(plan)
    _absorb_blank_lines(plan)
    return _build(raw, _paint(plan), plan.source_hint)
