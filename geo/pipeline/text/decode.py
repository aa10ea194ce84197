"""From a file's bytes to text: encodings, binary files refused, an HTML page's visible text.

Bad input raises ``ArticleError`` with a one-line reason naming the file; the corpus
reports it and goes on with the other articles.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Share of control characters (or undecodable ones) above which data is not text.
BINARY_CONTROL_SHARE = 0.05


class ArticleError(Exception):
    """A file (or folder) that could not be read as an article; ``str()`` names it."""

    def __init__(self, path: Path | str | None, reason: str) -> None:
        self.path = Path(path) if isinstance(path, str) else path
        self.reason = reason
        name = self.path.name if self.path is not None else "<text>"
        super().__init__(f"{name or self.path}: {reason}")


# ---------------------------------------------------------------------------------------
# Decoding


_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"%PDF-",
    b"PK\x03\x04",  # zip, docx, epub
    b"\x1f\x8b",  # gzip
    b"\x7fELF",
)
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    return len(_CONTROL_RE.findall(text)) > BINARY_CONTROL_SHARE * len(text)


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' for BOM-less UTF-16 of mostly Latin text, else None."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    half = len(data) // 2
    if odd.count(0) > 0.4 * half and even.count(0) < 0.05 * half:
        encoding, low = "utf-16-le", even
    elif even.count(0) > 0.4 * half and odd.count(0) < 0.05 * half:
        encoding, low = "utf-16-be", odd
    else:
        return None
    # UTF-16 of Latin-script text: the low bytes are mostly printable ASCII.
    ascii_text = sum(1 for b in low if 32 <= b < 127 or b in (9, 10, 13))
    return encoding if ascii_text >= 0.8 * half else None


def decode_bytes(data: bytes, name: str) -> str:
    """Decode file bytes to text: BOM first, then UTF-8, then cp1252 (then latin-1).

    Refuses binary data (NUL bytes outside UTF-16, or mostly control characters) with an
    ``ArticleError`` naming ``name``.
    """
    if data.startswith(_BINARY_SIGNATURES):
        raise ArticleError(name, "binary file (image, PDF or archive), not text")
    encoding: str | None = None
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in data:
        encoding = _bomless_utf16(data)
        if encoding is None:
            raise ArticleError(name, "binary file (contains NUL bytes), not text")
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ArticleError(name, f"not valid {encoding} text: {exc.reason}") from None
    else:
        for candidate in ("utf-8", "cp1252", "latin-1"):
            try:
                text = data.decode(candidate)
                break
            except UnicodeDecodeError:
                continue
    if _looks_binary(text):
        raise ArticleError(name, "binary file (mostly control characters), not text")
    return text


# ---------------------------------------------------------------------------------------
# HTML

_DROP_TAGS = frozenset(
    {"script", "style", "nav", "footer", "aside", "noscript", "template", "svg", "iframe"}
)
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "body", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p",
        "pre", "section", "table", "tbody", "td", "th", "thead", "tr", "ul", "html", "form",
        "fieldset", "details", "summary", "caption",
    }
)  # fmt: skip
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"})
_INLINE_SPACE_RE = re.compile(r"[ \t\r\n\f\v]+")
# A whole HTML document (what a browser's "save page" writes), whatever the file is called.
_HTML_DOCUMENT_RE = re.compile(r"\s*(?:<!--.*?-->\s*)*+<(?:!doctype\s+html|html[\s>])", re.I | re.S)


class _TextExtractor(HTMLParser):
    """Visible text of a page: paragraphs separated by blank lines, the <title> first."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._drop_depth = 0
        self._in_title = False
        self._pre_depth = 0

    def _flush(self) -> None:
        text = "".join(self._current)
        self._current = []
        if self._pre_depth == 0:
            text = _INLINE_SPACE_RE.sub(" ", text)
        text = text.strip()
        if text:
            self.paragraphs.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
            return
        if tag in _DROP_TAGS:
            if tag not in _VOID_TAGS:
                self._drop_depth += 1
            return
        if self._drop_depth:
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "pre":
            self._pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS and not self._drop_depth:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            return
        if tag in _DROP_TAGS:
            self._drop_depth = max(0, self._drop_depth - 1)
            return
        if self._drop_depth:
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._drop_depth:
            self._current.append(data)

    def text(self) -> str:
        self._flush()
        title = _INLINE_SPACE_RE.sub(" ", "".join(self.title)).strip()
        parts = self.paragraphs
        if title and (not parts or parts[0] != title):
            parts = [title, *parts]
        return "\n\n".join(parts)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page (stdlib ``html.parser``; scripts, nav, asides dropped)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser.text()


def decode_html(data: bytes, name: str) -> str:
    """An HTML file's text: its declared charset first, else as any text file."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _META_CHARSET_RE.search(data[:4096])
        if declared:
            charset = declared.group(1).decode("ascii").lower()
            if charset in _LATIN1_LABELS:
                charset = "cp1252"  # what browsers do with these labels
            try:
                text = data.decode(charset)
            except (LookupError, UnicodeDecodeError):
                pass
            else:
                if "\x00" not in text and not _looks_binary(text):
                    return text
    return decode_bytes(data, name)


def is_html_document(text: str) -> bool:
    """A whole web page (doctype or <html> first), whatever the file is called."""
    return bool(_HTML_DOCUMENT_RE.match(text))
