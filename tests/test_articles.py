"""Tests for geo.corpus.articles: decoding, HTML extraction, sidecars, corpus loading."""

from __future__ import annotations

import datetime
import hashlib
import time
from pathlib import Path

import pytest

from geo.corpus import articles
from geo.corpus.articles import MAX_BYTES, article_from_text, load_article, load_corpus
from geo.pipeline.text.clean import CleanText
from geo.pipeline.text.decode import ArticleError, decode_bytes, html_to_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
TEXT = "Mosul offensive stalls\n\nIraqi forces paused their advance south of the city.\n"

# --- decoding ------------------------------------------------------------------------


def test_decode_utf8_and_bom() -> None:
    text = "Qayyarah – “the front” café"
    assert decode_bytes(text.encode("utf-8"), "a.txt") == text
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"), "a.txt") == text


def test_decode_utf16_with_bom() -> None:
    text = "Erbil and Mosul – café\n"
    assert decode_bytes(text.encode("utf-16"), "a.txt") == text  # BOM included
    assert decode_bytes(b"\xfe\xff" + text.encode("utf-16-be"), "a.txt") == text
    assert decode_bytes(text.encode("utf-16-le"), "a.txt") == text  # BOM-less, by NUL pattern


def test_decode_cp1252_fallback() -> None:
    assert decode_bytes(b"caf\xe9 \x93quoted\x94", "a.txt") == "café “quoted”"
    # bytes cp1252 leaves undefined fall back to latin-1
    text = b"A story from the old city of Mosul, " * 3 + b"\x81"
    assert decode_bytes(text, "a.txt") == text.decode("latin-1")


def test_decode_refuses_binary() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
    with pytest.raises(ArticleError) as info:
        decode_bytes(png, "picture.txt")
    assert str(info.value).startswith("picture.txt: binary")
    with pytest.raises(ArticleError, match="binary"):
        decode_bytes(b"HEAD" + b"\x00\xff\x13\x80" * 50, "x.txt")
    controls = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 20 + b"some text"
    with pytest.raises(ArticleError, match="binary"):
        decode_bytes(controls, "x.txt")


def test_article_error_str_and_fields(tmp_path: Path) -> None:
    err = ArticleError(tmp_path / "a.txt", "empty file")
    assert str(err) == "a.txt: empty file"
    assert err.path == tmp_path / "a.txt" and err.reason == "empty file"


# --- files ---------------------------------------------------------------------------


def test_load_txt_and_md(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.md").write_text("# Notes on Raqqa\n\nThe city was surrounded.\n", "utf-8")
    a = load_article(tmp_path / "a.txt")
    assert a.id == "a" and a.path == tmp_path / "a.txt"
    assert a.raw == TEXT and a.clean.text == TEXT
    assert a.title == "Mosul offensive stalls"
    assert a.source is None and a.url is None
    assert a.published is None and a.published_basis == "unknown"
    assert a.warnings == []
    assert a.content_hash == hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    b = load_article(tmp_path / "b.md")
    assert b.raw.startswith("# Notes on Raqqa")


def test_load_cp1252_file(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_bytes(b"Caf\xe9 in Mosul\n\nA \x93quoted\x94 word.\n")
    assert load_article(tmp_path / "c.txt").raw == "Café in Mosul\n\nA “quoted” word.\n"


@pytest.mark.parametrize("content", [b"", b"   \n\n\t ", b"\xef\xbb\xbf"])
def test_empty_file_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match="empty"):
        load_article(path)


def test_binary_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\xff" * 100)
    with pytest.raises(ArticleError) as info:
        load_article(path)
    assert "image.txt" in str(info.value) and "binary" in info.value.reason
    # no known signature: NULs in a pattern that is not UTF-16 text
    path.write_bytes(b"DATA" + b"\x00\xff" * 100)
    with pytest.raises(ArticleError) as info:
        load_article(path)
    assert "image.txt" in str(info.value) and "binary" in info.value.reason


def test_too_big_file_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse file: no time spent writing it
        handle.truncate(MAX_BYTES + 1)
    t0 = time.perf_counter()
    with pytest.raises(ArticleError, match="too big"):
        load_article(path)
    assert time.perf_counter() - t0 < 1.0


def test_missing_file_refused(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="cannot read"):
        load_article(tmp_path / "nope.txt")


def test_html_text_extracted(tmp_path: Path) -> None:
    page = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Raqqa siege tightens</title>
<script>var teaser = "<p>Trending: Paris</p>";</script><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> | <a>World</a></nav>
<article><h1>Raqqa siege tightens</h1>
<p>Kurdish-led   forces closed
the last road &amp; the river crossing.</p>
<p>Aid groups warned of shortages<br>in the old city.</p></article>
<aside>Most read: Kabul</aside><footer>Copyright Lyon Media</footer>
<script>document.write("Berlin")</script></body></html>"""
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    art = load_article(path)
    assert art.raw == (
        "Raqqa siege tightens\n\n"
        "Kurdish-led forces closed the last road & the river crossing.\n\n"
        "Aid groups warned of shortages\n\nin the old city."
    )
    for dropped in ("Paris", "Berlin", "Home", "Kabul", "Lyon", "color"):
        assert dropped not in art.raw
    assert art.title == "Raqqa siege tightens"
    assert art.id == "page"


def test_html_title_kept_and_charset(tmp_path: Path) -> None:
    assert html_to_text("<title>Only a title</title>") == "Only a title"
    assert html_to_text("<p>a</p><p>b</p>") == "a\n\nb"
    latin = b'<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9 \x93x\x94</p></body>'
    path = tmp_path / "latin.htm"
    path.write_bytes(latin)
    assert load_article(path).raw == "Café “x”"
    (tmp_path / "blank.html").write_text("<html><script>x()</script></html>", "utf-8")
    with pytest.raises(ArticleError, match="no visible text"):
        load_article(tmp_path / "blank.html")


def test_html_page_saved_as_text_is_read_as_html(tmp_path: Path) -> None:
    page = (
        "\n<!-- saved from url=(0042)https://example.com/ -->\n<!DOCTYPE html><html><head>"
        "<title>Ramadi retaken</title></head><body><script>x()</script>"
        "<p>Iraqi forces retook Ramadi.</p></body></html>"
    )
    (tmp_path / "saved.txt").write_text(page, encoding="utf-8")
    art = load_article(tmp_path / "saved.txt")
    assert art.raw == "Ramadi retaken\n\nIraqi forces retook Ramadi."
    assert art.title == "Ramadi retaken" and "an HTML page" in art.warnings[0]
    (tmp_path / "blank.md").write_text("<html><script>x()</script></html>", "utf-8")
    with pytest.raises(ArticleError, match="HTML page with no visible text"):
        load_article(tmp_path / "blank.md")
    # Text that merely mentions markup stays text.
    (tmp_path / "note.txt").write_text("The <html> tag starts a page.", "utf-8")
    assert load_article(tmp_path / "note.txt").raw == "The <html> tag starts a page."


# --- sidecars ------------------------------------------------------------------------


def test_sidecar_metadata(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.toml").write_text(
        'title = "Offensive stalls"\nsource = "Example Wire"\n'
        'url = "https://example.org/a"\npublished = 2016-04-09\n',
        encoding="utf-8",
    )
    art = load_article(tmp_path / "a.txt")
    assert art.title == "Offensive stalls"
    assert art.source == "Example Wire"
    assert art.url == "https://example.org/a"
    assert art.published == datetime.date(2016, 4, 9)
    assert art.published_basis == "metadata"
    assert art.warnings == []


def test_sidecar_string_date_and_datetime(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.toml").write_text('published = "2015-01-12"\n', encoding="utf-8")
    assert load_article(tmp_path / "a.txt").published == datetime.date(2015, 1, 12)
    (tmp_path / "a.toml").write_text("published = 2015-01-12T08:00:00Z\n", encoding="utf-8")
    assert load_article(tmp_path / "a.txt").published == datetime.date(2015, 1, 12)


@pytest.mark.parametrize(
    ("sidecar", "expected"),
    [
        ('title = "x\n', "unreadable metadata sidecar"),
        ("published = 1850-01-01\n", "outside"),
        (f"published = {datetime.date.today() + datetime.timedelta(days=2)}\n", "outside"),
        ('published = "last spring"\n', "not a YYYY-MM-DD date"),
        ("published = 2016\n", "must be a date"),
        ("title = 5\n", "title must be a non-empty string"),
        ('colour = "red"\n', "unknown key"),
    ],
)
def test_bad_sidecar_warns(tmp_path: Path, sidecar: str, expected: str) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.toml").write_text(sidecar, encoding="utf-8")
    art = load_article(tmp_path / "a.txt")  # still loaded
    assert len(art.warnings) == 1
    assert art.warnings[0].startswith("a.toml: ") and expected in art.warnings[0]
    assert art.published is None and art.published_basis == "unknown"
    assert art.title == "Mosul offensive stalls"


def test_sidecar_keeps_good_fields_when_one_is_bad(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "a.toml").write_text('source = "Wire"\npublished = 1800-01-01\n', "utf-8")
    art = load_article(tmp_path / "a.txt")
    assert art.source == "Wire" and art.published is None and len(art.warnings) == 1


# --- corpus --------------------------------------------------------------------------


def test_load_corpus_sorted_and_bad_files_isolated(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Second story about Kobani.\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "c.html").write_text("<p>Third story about Palmyra.</p>", encoding="utf-8")
    (tmp_path / "d.txt").write_bytes(b"")
    (tmp_path / "e.md").write_bytes(b"\x00\x01\x02\x03binary\x00\x00")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    (tmp_path / "a.toml").write_text('source = "Wire"\n', encoding="utf-8")
    (tmp_path / "sub.txt").mkdir()
    arts, errors = load_corpus(tmp_path)
    assert [a.id for a in arts] == ["a", "b", "c"]
    assert arts[0].source == "Wire"
    assert sorted(e.path.name for e in errors if e.path) == ["d.txt", "e.md"]
    assert all(isinstance(e, ArticleError) for e in errors)


def test_duplicates_loaded_once(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "two.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "three.txt").write_bytes(TEXT.encode("utf-16"))  # same text, other bytes
    arts, errors = load_corpus(tmp_path)
    assert [a.id for a in arts] == ["one"]
    assert sorted(str(e) for e in errors) == [
        "three.txt: duplicate of one.txt",
        "two.txt: duplicate of one.txt",
    ]


def test_same_stem_gets_unique_id(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "x.md").write_text("Another story from Sirte.\n", encoding="utf-8")
    arts, errors = load_corpus(tmp_path)
    assert errors == []
    assert sorted(a.id for a in arts) == ["x", "x.txt"]


def test_missing_folder_error_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(ArticleError) as info:
        load_corpus(missing)
    assert str(missing) in str(info.value) and "not found" in str(info.value)
    file = tmp_path / "f.txt"
    file.write_text(TEXT, encoding="utf-8")
    with pytest.raises(ArticleError, match="not a folder"):
        load_corpus(file)


def test_unreadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()

    def refuse(self: Path) -> None:  # stands in for Path.iterdir
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(ArticleError) as info:
        load_corpus(folder)
    assert "cannot read folder" in str(info.value) and str(folder) in str(info.value)
    assert "Permission denied" in str(info.value)


def test_unexpected_error_in_one_file_is_isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Story from Deir ez-Zor.\n", encoding="utf-8")
    real = articles.clean_text

    def flaky(raw: str) -> CleanText:
        if "Deir" in raw:
            raise RuntimeError("boom")
        return real(raw)

    monkeypatch.setattr(articles, "clean_text", flaky)
    arts, errors = load_corpus(tmp_path)
    assert [a.id for a in arts] == ["a"]
    assert len(errors) == 1 and "boom" in str(errors[0]) and "b.txt" in str(errors[0])


def test_seed_corpus() -> None:
    if not SEEDS.is_dir():
        pytest.skip("seeds not present")
    arts, errors = load_corpus(SEEDS)
    assert errors == [] and len(arts) == 5
    by_prefix = {a.id[:3]: a for a in arts}
    # 000 and 002 carry the collector's sidecar; its fields win over the text.
    assert by_prefix["000"].source == "The Daily Beast (via Alwaienews)"
    assert by_prefix["000"].clean.source_hint == "Alwaienews"
    assert by_prefix["000"].published == datetime.date(2015, 3, 2)
    assert by_prefix["000"].published_basis == "metadata"
    assert by_prefix["001"].title == "Looming spring offensive forces US to partner with Iran"
    assert by_prefix["001"].clean.datelines() == ["12 January, 2015"]
    assert len(by_prefix["003"].title) <= 200
    assert [a.published for a in arts if a.id[:3] in {"001", "003", "004"}] == [None] * 3


# --- text input ----------------------------------------------------------------------


def test_article_from_text() -> None:
    art = article_from_text(
        "gwn-1",
        "BEIRUT (AP) - Fighting resumed.\nSource: Example\n",
        published=datetime.date(2016, 12, 6),
        url="https://example.org",
    )
    assert art.id == "gwn-1" and art.path is None
    assert art.published == datetime.date(2016, 12, 6) and art.published_basis == "metadata"
    assert art.source == "Example"  # from the text's trailer
    assert art.title == "BEIRUT (AP) - Fighting resumed."
    assert art.url == "https://example.org"
    plain = article_from_text("x", "Plain text about Aleppo.", title="Given", source="Wire")
    assert plain.title == "Given" and plain.source == "Wire" and plain.published is None
    assert plain.clean.text == "Plain text about Aleppo."
    future = article_from_text("y", "Text.", published=datetime.date(2999, 1, 1))
    assert future.published is None and "outside" in future.warnings[0]
    with pytest.raises(ArticleError, match="empty"):
        article_from_text("z", "  \n")


def test_a_link_out_of_the_corpus_is_never_read(tmp_path: Path) -> None:
    """`passwd.txt -> /outside/secret` is skipped with its reason; nothing of the target
    reaches the map's data. A link to a file inside the folder is an ordinary article."""
    from geo.corpus.build import build

    outside, corpus, out = tmp_path / "outside", tmp_path / "corpus", tmp_path / "out"
    outside.mkdir()
    corpus.mkdir()
    (outside / "secret").write_text("Secret words about Odesa on 3 May 2022.", "utf-8")
    (corpus / "passwd.txt").symlink_to(outside / "secret")
    (corpus / "real.txt").write_text("Shelling hit Kherson on 4 May 2022.", "utf-8")
    (corpus / "alias.txt").symlink_to(corpus / "real.txt")
    with pytest.raises(ArticleError, match="outside the corpus folder"):
        load_article(corpus / "passwd.txt")
    build(corpus, out, processes=1, progress=False)
    written = (out / "articles.json").read_text("utf-8") + (out / "events.geojson").read_text(
        "utf-8"
    )
    assert "Secret" not in written and "Odesa" not in written
    assert "passwd.txt" in written and "outside the corpus folder" in written
    assert load_article(corpus / "alias.txt").raw.startswith("Shelling hit Kherson")


def test_upload_limit_is_the_article_limit() -> None:
    """Streamlit refuses uploads over its limit before reading them (the browser counts
    10**6 bytes a megabyte, the server 2**20): the smallest that lets every allowed article
    through, the same in the uploader and the server's setting."""
    import tomllib

    from geo.corpus.ingest import UPLOAD_LIMIT_MB

    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == UPLOAD_LIMIT_MB
    assert (UPLOAD_LIMIT_MB - 1) * 10**6 < MAX_BYTES <= UPLOAD_LIMIT_MB * 10**6
