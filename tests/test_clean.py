"""Tests for geo.pipeline.text.clean: boilerplate removal on the seeds, generic rules,
offset mapping."""

from __future__ import annotations

import bisect
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.pipeline.text.clean import KEPT_KINDS, CleanText, Segment, clean_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed(prefix: str) -> CleanText:
    paths = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not paths:
        pytest.skip(f"seed {prefix} not present")
    return clean_text(paths[0].read_text(encoding="utf-8"))


def seg_text(clean: CleanText, seg: Segment) -> str:
    return clean.original[seg.start : seg.end]


def check_invariants(clean: CleanText) -> None:
    """Segments cover the original; every kept character maps back to itself."""
    original, text, segments = clean.original, clean.text, clean.segments
    pos = 0
    for seg in segments:
        assert seg.start == pos and seg.end > seg.start, segments
        pos = seg.end
    assert pos == len(original)
    starts = [s.start for s in segments]
    kept = "".join(original[s.start : s.end] for s in segments if s.kind in KEPT_KINDS)
    without_separators = []
    last_orig = -1
    prev_was_separator = False
    for i, ch in enumerate(text):
        o = clean.to_original(i)
        seg = segments[bisect.bisect_right(starts, o) - 1]
        if seg.kind in KEPT_KINDS:
            assert ch == original[o]
            assert o > last_orig
            last_orig = o
            without_separators.append(ch)
            prev_was_separator = False
        else:  # a separator stands for the removed span starting here
            assert ch in " \n" and o == seg.start
            assert not prev_was_separator and 0 < i < len(text) - 1
            assert not text[i - 1].isspace() and not text[i + 1].isspace()
            prev_was_separator = True
    assert "".join(without_separators) == kept


def test_seed_000_teasers_removed_sentences_intact() -> None:
    clean = seed("000")
    check_invariants(clean)
    teasers = [s for s in clean.removed() if s.reason == "teaser: Recommended"]
    assert len(teasers) == 2
    assert "Recommended" not in clean.text
    assert "not workable" not in clean.text
    assert "imminent collapse" not in clean.text
    assert "joining an Islamist faction. Then there was the unexpected battle" in clean.text
    assert "on the ground near Tikrit. The Iraqi decision to cut out" in clean.text
    assert clean.source_hint == "Alwaienews"
    assert "Source:" not in clean.text
    assert clean.text.endswith("some semblance of Sunni representation.")
    assert clean.datelines() == []


def test_seed_001_page_debris() -> None:
    clean = seed("001")
    check_invariants(clean)
    text = clean.text
    reasons = {s.reason for s in clean.removed()}
    assert {"reading time", "repeated title", "pull quote", "teaser: Read more"} <= reasons
    assert "6 min read" not in text
    assert "Read more" not in text and "delusions of grandeur" not in text
    assert text.startswith("Looming spring offensive forces US to partner with Iran\n")
    assert text.count("Looming spring offensive") == 1
    assert clean.kind_at(0) == "title"
    # dateline
    assert clean.datelines() == ["12 January, 2015"]
    assert "12 January" not in text
    # pull quote dropped, the sentence it interrupted joined, the body quote kept
    assert "John McCain\n" not in text and "now… doing" not in text
    assert text.count("That cannot be in the US interest.") == 1
    assert "since Iraq's\nsovereignty was restored in 2004" in text
    # caption kept as a caption
    cap = text.index("Dempsey: Iran no threat to US in Iraq at present (Anadolu)")
    assert clean.kind_at(cap) == "caption"
    assert clean.kind_at(text.index("US army general")) == "body"
    assert 'simultaneously in several areas.\n\n"When you ask me' in text


def test_seed_002_share_line_and_sidebar() -> None:
    clean = seed("002")
    check_invariants(clean)
    text = clean.text
    assert "Twitter: @" not in text
    assert "More In Intercepts" not in text
    assert "Aug. 3" not in text and "Putin-Trump" not in text and "Picking Up" not in text
    assert text.startswith("WASHINGTON")
    assert text.endswith("directing preparations for the coming assault.")
    assert any(s.reason.startswith("sidebar") for s in clean.removed())
    assert clean.source_hint is None


def test_seed_003_dateline_and_comments() -> None:
    clean = seed("003")
    check_invariants(clean)
    text = clean.text
    assert clean.datelines() == ["December 6, 2016"]
    assert "December 6" not in text and "Comments" not in text
    assert "Leave a Reply" not in text
    assert "Antietam" not in text and "Afghanistan" not in text and "Said:" not in text
    assert text.endswith("the new Defense Secretary Gen. James Mattis.")
    assert any(s.reason == "comments section" for s in clean.removed())


def test_seed_004_caption_kept() -> None:
    clean = seed("004")
    check_invariants(clean)
    assert clean.text == clean.original  # nothing to remove
    start = clean.text.index("Iraqi soldiers secure an area")
    assert clean.kind_at(start) == "caption"
    caption = [s for s in clean.segments if s.kind == "caption"]
    assert len(caption) == 1
    assert seg_text(clean, caption[0]).endswith("on March 24 …")
    assert clean.kind_at(clean.text.index("Fox News reports")) == "body"
    assert clean.kind_at(0) == "title"


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_spans_map_back(prefix: str) -> None:
    clean = seed(prefix)
    for word in ("Mosul", "Iraq", "Tikrit", "Baghdad"):
        i = clean.text.find(word)
        if i < 0:
            continue
        start, end = clean.span_to_original(i, i + len(word))
        assert clean.original[start:end] == word


# --- generic rules on made-up text -----------------------------------------------------

BODY = (
    "Government forces advanced on the northern city on Tuesday, officials said, after "
    "weeks of air strikes on positions held by the militants.\n\n"
    "Thousands of civilians fled toward camps to the south as the fighting spread to "
    "villages along the river, aid groups reported.\n\n"
    "The offensive is expected to last several months, according to a military spokesman "
    "who asked not to be named because he was not authorised to speak to the press.\n"
)


def test_plain_text_unchanged() -> None:
    clean = clean_text(BODY)
    assert clean.text == BODY
    assert clean.removed() == [] and clean.datelines() == [] and clean.source_hint is None
    assert [s.kind for s in clean.segments] == ["body"]
    assert clean.span_to_original(0, len(BODY)) == (0, len(BODY))


def test_empty_and_whitespace_text() -> None:
    for raw in ("", "   ", "\n\n"):
        clean = clean_text(raw)
        assert clean.text == raw
        check_invariants(clean)


def test_separator_maps_to_removed_span() -> None:
    raw = "Rebels joined a faction.Recommended:Plan for the city not workableThen came the battle."
    clean = clean_text(raw)
    assert clean.text == "Rebels joined a faction. Then came the battle."
    sep = clean.text.index(" Then")
    assert clean.to_original(sep) == raw.index("Recommended")
    i = clean.text.index("Then")
    assert clean.span_to_original(i, i + 4) == (raw.index("Then"), raw.index("Then") + 4)
    # a span over the separator starts/ends on kept text
    s, e = clean.span_to_original(sep - 8, sep + 5)
    assert raw[s:e].startswith("faction.") and raw[s:e].endswith("Then")
    assert clean.kind_at(sep) == "body"
    assert clean.to_original(len(clean.text)) == len(raw)


def test_teaser_keeps_camel_case_names_and_acronym_glue() -> None:
    raw = (
        "The army moved in.Recommended:McCain says DeSantis plan for ISIS failsThe next day "
        "the town fell."
    )
    clean = clean_text(raw)
    assert clean.text == "The army moved in. The next day the town fell."


def test_teaser_inside_paragraph_ends_at_next_sentence() -> None:
    raw = (
        "Britain accused the government of the attack in early March. Read more: Allies expel "
        "diplomats over poisoning The Foreign Ministry told the ambassador it would close the "
        "consulate in the port city."
    )
    clean = clean_text(raw)
    assert "Allies expel" not in clean.text
    assert "March. The Foreign Ministry told the ambassador" in clean.text
    raw2 = 'Crowds gathered. Related: Why the Dam Matters — Now What? "We wait," a man said.'
    assert clean_text(raw2).text == 'Crowds gathered. "We wait," a man said.'


def test_teaser_without_safe_end_drops_only_label() -> None:
    raw = "It was over. Related: " + "the long story goes on and on " * 12 + "until the end."
    clean = clean_text(raw)
    assert "Related:" not in clean.text
    assert "the long story goes on" in clean.text
    assert [s.reason for s in clean.removed()] == ["teaser label"]


def test_read_more_lines() -> None:
    raw = (
        BODY
        + "\nWhy the river crossing matters? Read more\n\n"
        + "Final paragraph of the story is here.\n"
    )
    clean = clean_text(raw)
    assert "river crossing" not in clean.text and "Read more" not in clean.text
    # a lead paragraph cut short by its link keeps its words
    lead = "A man was hurt in a crash near the bridge. The crash happened at noon near Read More"
    clean = clean_text(lead + "\n\n" + BODY)
    assert clean.text.startswith("A man was hurt in a crash near the bridge. The crash happened")
    assert "Read More" not in clean.text


def test_dateline_variants() -> None:
    for line, date in [
        ("Published March 3, 2015", "March 3, 2015"),
        ("December 6, 2016 | 5 Comments »", "December 6, 2016"),
        ("12 January, 2015", "12 January, 2015"),
        ("Tuesday, Dec. 6, 2016 10:32 AM EST", "Dec. 6, 2016"),
        ("Updated: 2016-04-09", "2016-04-09"),
    ]:
        clean = clean_text(f"Headline of the story\n{line}\n{BODY}")
        assert clean.datelines() == [date], line
        assert line not in clean.text
    # a sentence with a date is body, and a place before the date keeps the line
    for line in ("BAGHDAD, March 3, 2015", "The city fell on March 3, 2015."):
        clean = clean_text(f"{BODY}{line}\n")
        assert clean.datelines() == [] and line in clean.text


def test_share_debris_lines() -> None:
    debris = [
        "Share this",
        "Share this article",
        "Follow us on Twitter",
        "Sign up for our newsletter to get the latest",
        "Email",
        "Print",
        "Share | Tweet | Email",
        "Advertisement",
        "Click here to subscribe",
        "Twitter: @some_reporter",
        "6 min read",
        "Photo: Getty Images",
        "Photo: Smoke rises over the eastern district/Getty Images",
    ]
    raw = "Headline\n" + "\n".join(debris[:6]) + "\n" + BODY + "\n".join(debris[6:]) + "\n" + BODY
    clean = clean_text(raw)
    for line in debris[:-1]:
        assert f"\n{line}\n" not in clean.text, line
    # a bare credit is debris; a "Photo:" line that describes something is a caption
    assert "Photo: Smoke rises" in clean.text
    assert clean.kind_at(clean.text.index("Photo: Smoke rises")) == "caption"
    for credit in (
        "AFP/Getty Images",
        "Photo by John Moore/Getty Images",
        "REUTERS/Ahmed Jadallah",
    ):
        assert clean_text(f"{BODY}{credit}\n{BODY}").text == BODY + BODY, credit
    assert clean.text.count("Government forces advanced") == 2
    # lowercase words on their own line are text, not buttons
    assert clean_text("print\nemail\ncomments\n").text == "print\nemail\ncomments\n"


def test_sidebar_cut_needs_article_before_it() -> None:
    raw = BODY + "\nRelated\nMilitants seize the airport of another city\nMarch 3, 2015\n"
    clean = clean_text(raw)
    assert clean.text == BODY.rstrip()
    assert clean.datelines() == []
    # a "Related" line at the very top is dropped on its own, the article stays
    clean = clean_text("Related\n" + BODY)
    assert clean.text.startswith("Government forces advanced")
    assert clean.text.count("offensive is expected") == 1


def test_comment_sections() -> None:
    comments = (
        "\n3 Comments\n\nJohn Smith says:\nDecember 7, 2016 at 3:04 pm\nThe valley was lost.\n"
    )
    clean = clean_text("Headline\nDecember 6, 2016\n" + BODY + comments)
    assert clean.datelines() == ["December 6, 2016"]
    assert "valley" not in clean.text and "December 7" not in clean.text
    numbered = "\n  1. First reader here about the valley.\n\n  2. Jane Doe Said:\n\n    Agreed.\n"
    clean = clean_text(BODY + numbered)
    assert clean.text == BODY.rstrip()
    # "Obama said:" introducing a quote in the body is not a comment
    body_quote = BODY + 'Obama said:\n"We will prevail."\n'
    assert clean_text(body_quote).text == body_quote


def test_source_trailer() -> None:
    clean = clean_text(BODY + "\nSource: Reuters\n")
    assert clean.source_hint == "Reuters"
    assert clean.text == BODY.rstrip()
    assert any(s.reason == "source trailer" for s in clean.removed())
    mid = "Source: a ministry official said the city fell.\n" + BODY
    assert clean_text(mid).source_hint is None


def test_captions_near_top_only() -> None:
    caption = "Fighters walk through a ruined street in the old city (AFP)"
    clean = clean_text(f"Headline\n{caption}\n{BODY}")
    assert clean.kind_at(clean.text.index("Fighters walk")) == "caption"
    deep = f"Headline\n{BODY}{BODY}{caption}\n{BODY}"
    clean = clean_text(deep)
    assert clean.kind_at(clean.text.index("Fighters walk")) == "body"
    clean = clean_text(f"{BODY}Image: Smoke rises over the eastern district\n{BODY}")
    assert clean.kind_at(clean.text.index("Image: Smoke")) == "caption"


def test_pull_quote_needs_repetition() -> None:
    quote = "    We will hold the line at the river whatever happens next."
    body = BODY + 'The general said: "We will hold the line at the river whatever happens next."\n'
    clean = clean_text(body + f"\n{quote}\n\n– General Smith\n\nThe end of the story.\n")
    assert "– General Smith" not in clean.text and clean.text.count("hold the line") == 1
    # a quoted block that does not repeat the body is kept
    other = BODY + f"\n{quote}\n\n– General Smith\n"
    assert clean_text(other).text == other


def test_dashed_list_is_not_an_attribution() -> None:
    listing = (
        BODY
        + "\nGovernment forces advanced on the northern city on Tuesday\n- Tal Afar\n- Sinjar\n"
    )
    assert clean_text(listing).text == listing


BENCHMARKS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
PAGE_FURNITURE = frozenset({"site footer", "cookie notice", "trailing whitespace"})


def test_benchmark_articles_mostly_unchanged() -> None:
    """Plain news bodies (no page debris) must come through untouched."""
    path = BENCHMARKS / "geowebnews.jsonl"
    if not path.is_file():
        pytest.skip("benchmarks not present")
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    reasons = {d["id"]: {s.reason for s in clean_text(d["text"]).removed()} for d in docs}
    # list and code rules never fire on a plain body; footers/cookie lines are real debris
    new_rules = ("code debris", "link list", "sidebar", "comment form", "newsletter form")
    assert not [i for i, rs in reasons.items() if any(r.startswith(new_rules) for r in rs)]
    changed = [i for i, rs in reasons.items() if rs - PAGE_FURNITURE]
    assert len(changed) <= len(docs) // 50, changed  # only real teasers ("Related: ...")


def test_kind_at_and_to_original_bounds() -> None:
    clean = clean_text("Headline\n" + BODY)
    with pytest.raises(IndexError):
        clean.kind_at(len(clean.text))
    with pytest.raises(IndexError):
        clean.to_original(-1)
    with pytest.raises(IndexError):
        clean.span_to_original(3, 2)


# --- link lists, sidebars, forms and code debris ---------------------------------------

STORY_GOES_ON = (
    "Engineers from the city council began clearing rubble from the main square at dawn.\n\n"
    "By evening the first market stalls had reopened near the old station in Dunmere.\n"
)
HEADLINES = (
    "Floods cut the road to Velmora again\n"
    "Harbour strike in Saltrock enters its third week\n"
    "New bridge opens over the Tessel river\n"
)


@pytest.mark.parametrize(
    "heading",
    [
        "Most Read",
        "Most Popular",
        "Related",
        "Related Articles",
        "Related Stories:",
        "Trending",
        "Trending Now",
        "More from Regional Desk",
        "More Stories",
        "You may also like",
        "Recommended",
        "Editor's Picks",
        "Top Stories",
        "Latest News",
        "Popular",
    ],
)
def test_sidebar_headings_at_the_foot_cut_the_page(heading: str) -> None:
    clean = clean_text(f"{BODY}\n{heading}\n{HEADLINES}")
    check_invariants(clean)
    assert clean.text == BODY.rstrip()
    assert any(s.reason == f"sidebar: {heading.rstrip(':')}" for s in clean.removed())


def test_sidebar_in_mid_story_drops_only_its_list() -> None:
    sidebar = (
        "\nMost Read\n\n- Floods cut the road to Velmora again\n"
        "March 3, 2015\n• Harbour strike in Saltrock enters its third week Read more\n\n"
    )
    clean = clean_text(BODY + sidebar + STORY_GOES_ON)
    check_invariants(clean)
    assert clean.text == BODY + "\n" + STORY_GOES_ON
    assert clean.datelines() == []  # a date in the list is not the article's date
    assert {s.reason for s in clean.removed()} == {"sidebar: Most Read"}


def test_sidebar_with_blurbs_runs_to_the_end() -> None:
    blurbs = (
        "Related Stories\nFloods cut the road to Velmora again\n"
        "Water rose over the embankment for the second time this month, residents said.\n"
        "Harbour strike in Saltrock enters its third week\n"
        "Dock workers say they will not return until the new contract is signed.\n"
    )
    clean = clean_text(BODY + blurbs)
    assert clean.text == BODY.rstrip()


def test_link_lists_without_heading() -> None:
    dated = (
        "Floods cut the road to Velmora again 3 hours ago\n"
        "Harbour strike in Saltrock enters its third week\n"
        "12 May 2016\nNew bridge opens over the Tessel river\n\n"
    )
    title_case = (
        "Floods Cut The Road To Velmora Again\n\nHarbour Strike Enters Its Third Week\n\n"
        "New Bridge Opens Over The Tessel River\n\n"
    )
    for links in (dated, title_case):
        clean = clean_text(BODY + "\n" + links + STORY_GOES_ON)
        check_invariants(clean)
        assert clean.text == BODY + "\n" + STORY_GOES_ON, links
        assert {s.reason for s in clean.removed()} == {"link list"}
    # at the foot of the page, or five in a row, plain headlines are links too
    assert clean_text(BODY + HEADLINES).text == BODY.rstrip()
    five = HEADLINES + "Talks on the water treaty stall again\nMayor opens the winter fair\n"
    assert clean_text(BODY + "\n" + five + "\n" + STORY_GOES_ON).text == BODY + "\n" + STORY_GOES_ON


def test_story_lists_subheads_and_short_paragraphs_are_kept() -> None:
    bullets = (
        "- Withdrawal of heavy weapons from the front line\n"
        "- Exchange of all prisoners by the end of May\n"
        "- Elections in the eastern districts next spring\n"
    )
    introduced = "The agreement sets out three steps:\n\n" + HEADLINES.replace("- ", "")
    plain_list = (
        "The plan has three parts.\nWithdrawal of heavy weapons from the front line\n"
        "Exchange of all prisoners by the end of May\nElections in the eastern districts\n"
    )
    subhead = "A long night in the valley\n\nHe declined to comment.\n\n"
    top = "Floods cut the road to Velmora\nResidents wait for the water to fall\nBy Ana Reyes\n"
    timeline = (
        "March 3, 2015 – Rebels take the airport at Korvath\n"
        "March 5, 2015 – Army retakes the coast road\n"
        "March 9, 2015 – Talks open in Dunmere\n"
    )
    dated = "March 3, 2015\nRebels take the airport at Korvath\nMarch 5, 2015\n"
    dated += "Army retakes the coast road\nMarch 9, 2015\nTalks open in Dunmere\n"
    for story in (
        BODY + bullets + "\n" + STORY_GOES_ON,
        BODY + introduced + "\n" + STORY_GOES_ON,
        BODY + plain_list + "\n" + STORY_GOES_ON,
        BODY + subhead + STORY_GOES_ON,
        top + BODY,
        BODY + "\nTimeline\n" + timeline + "\n" + STORY_GOES_ON,
    ):
        assert clean_text(story).text == story, story
    # a date before each entry: a timeline of the story (the lone dates go as datelines)
    for story in (BODY + "\n" + dated + "\n" + STORY_GOES_ON, BODY + "\n" + dated):
        clean = clean_text(story)
        assert {s.reason for s in clean.removed()} <= {"trailing whitespace"}
        assert "Rebels take the airport at Korvath\n" in clean.text
        assert clean.text.rstrip().endswith(story.rstrip().rsplit("\n", 1)[-1])


def test_related_followed_by_prose_keeps_the_prose() -> None:
    raw = BODY + "Related: the army said the bridge at Korvath would stay shut until May.\n"
    clean = clean_text(raw)
    assert "the army said the bridge at Korvath would stay shut until May." in clean.text
    assert [s.reason for s in clean.removed()] == ["teaser label"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Your email address will not be published. Required fields are marked *", "comment form"),
        ("Required fields are marked *", "comment form"),
        (
            "Save my name, email, and website in this browser for the next time I comment.",
            "comment form",
        ),
        ("Notify me of follow-up comments by email.", "comment form"),
        ("You must be logged in to post a comment.", "comment form"),
        ("Sign up for our newsletter", "newsletter form"),
        ("Subscribe to our daily newsletter for the latest headlines", "newsletter form"),
        ("Get the morning briefing delivered to your inbox", "newsletter form"),
        ("Enter your email address", "newsletter form"),
        ("Thank you for subscribing!", "newsletter form"),
        ("By signing up, you agree to our Terms of Use and Privacy Policy.", "newsletter form"),
        ("We use cookies to give you the best experience on our website.", "cookie notice"),
        ("This site uses cookies. Find out more in our cookie policy.", "cookie notice"),
        ("Accept all cookies", "cookie notice"),
        ("Manage preferences", "cookie notice"),
        ("By continuing to use this site you agree to our use of cookies.", "cookie notice"),
        ("Privacy Policy", "site footer"),
        ("Privacy Policy | Terms of Use | Contact Us", "site footer"),
        ("© 2019 Example Media Group. All rights reserved.", "site footer"),
    ],
)
def test_form_and_consent_lines(line: str, reason: str) -> None:
    clean = clean_text(f"{BODY}{line}\n{STORY_GOES_ON}")
    check_invariants(clean)
    assert clean.text == BODY + STORY_GOES_ON
    assert [s.reason for s in clean.removed()] == [reason]


def test_form_words_in_prose_are_kept() -> None:
    prose = (
        "We use cookies as rations, a soldier in Korvath joked, holding up a tin of biscuits.\n"
        "The privacy policy of the new militia law worries lawyers in the capital.\n"
        "Subscribers to the local paper in Dunmere were told the press had been seized.\n"
    )
    assert clean_text(BODY + prose).text == BODY + prose


CODE_DEBRIS = [
    ('{"id": 4021, "headline": "Floods in Velmora", "tags": ["weather", "roads"]}', "JSON"),
    ('{\n  "place": "Velmora",\n  "lat": 41.2,\n  "published": true\n},', "JSON"),
    (
        'array(2) {\n  ["title"]=>\n  string(17) "Floods in Velmora"\n  ["id"]=>\n  int(5)\n}',
        "PHP dump",
    ),
    ("Array\n(\n    [title] => Floods in Velmora\n    [id] => 5\n)", "PHP dump"),
    (
        "var slots = slots || {};\n(function() {\n  var s = document.createElement('script');\n"
        "  window.adQueue.push(s);\n})();",
        "script",
    ),
    ("googletag.cmd.push(function() { googletag.display('ad-velmora-1'); });", "script"),
    (
        ".story-body p { margin: 0 0 1em; font-size: 16px; }\n@media (max-width: 600px) {\n"
        "  .rail { display: none; }\n}",
        "CSS",
    ),
]


@pytest.mark.parametrize(("code", "kind"), CODE_DEBRIS)
def test_code_debris(code: str, kind: str) -> None:
    clean = clean_text(f"{BODY}\n{code}\n\n{STORY_GOES_ON}")
    check_invariants(clean)
    assert clean.text == BODY + "\n" + STORY_GOES_ON
    assert {s.reason for s in clean.removed()} == {f"code debris: {kind}"}


def test_prose_with_code_punctuation_is_kept() -> None:
    prose = (
        "The banner over the gate read {Peace now} in red letters, witnesses said.\n"
        '"No," he said. "Never (not once); we stay [in Korvath] whatever it costs."\n'
        "Washington (AFP)\n"
        "[1]\n"
        "* * *\n"
        "=====\n"
        "Casualties: 12 killed; 30 wounded (per the ministry); 4 missing.\n"
        "The ratio x = 3 held, an analyst said; the model {a, b} did not.\n"
    )
    assert clean_text(BODY + prose).text == BODY + prose


# --- properties ----------------------------------------------------------------------

FRAGMENTS = [
    "Recommended:",
    "Read more",
    "Related:",
    "Related\n",
    "More In World\n",
    "Leave a Reply\n",
    "5 Comments\n",
    "  2. Jane Doe Said:\n",
    "  1. ",
    "Source: Reuters",
    "December 6, 2016 | 5 Comments »\n",
    "12 January, 2015\n",
    "6 min read\n",
    "Twitter: @x_y\n",
    "Share this\n",
    "    indented quote text that repeats\n",
    "– John Smith\n",
    "\n",
    "\n\n",
    " ",
    "\u00a0",
    "\r\n",
    "(AFP)",
    "…",
    "Photo:",
    "workableThen",
    "ISISThe",
    ".",
    "Mosul",
    "Most Read\n",
    "Floods Cut The Road Again\n",
    "Harbour strike in the south goes on 2 hours ago\n",
    '{"id": 1, "k": "v"}\n',
    "array(1) {\n",
    '  ["k"]=>\n',
    "var x = {};\n",
    "We use cookies.\n",
    "Enter your email\n",
]

texts = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(FRAGMENTS)), max_size=40).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_property_mapping_and_coverage(raw: str) -> None:
    clean = clean_text(raw)
    check_invariants(clean)
    for seg in clean.segments:
        assert seg.kind in {"title", "body", "caption", "dateline", "boilerplate"}
        assert (seg.reason == "") == (seg.kind == "body")


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_property_span_to_original(raw: str, data: st.DataObject) -> None:
    clean = clean_text(raw)
    n = len(clean.text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    o_start, o_end = clean.span_to_original(start, end)
    assert 0 <= o_start <= o_end <= len(raw)
    no_separator = all(
        clean.original[clean.to_original(i)] == clean.text[i]
        and (i == start or clean.to_original(i) == clean.to_original(i - 1) + 1)
        for i in range(start, end)
    )
    if no_separator:
        assert raw[o_start:o_end] == clean.text[start:end]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz .,;\n\t'\"", max_size=300))
def test_property_plain_text_unchanged(raw: str) -> None:
    clean = clean_text(raw)
    assert clean.text == raw
    assert clean.removed() == []


def test_large_text_is_fast() -> None:
    import time

    raw = (BODY + "Share this\nRecommended:Some other storyThen more.\n") * 4000  # ~2 MB
    t0 = time.perf_counter()
    clean = clean_text(raw)
    assert time.perf_counter() - t0 < 10
    assert "Share this" not in clean.text


WORDS = ("the", "convoy", "reached", "river", "town", "near", "bridge", "said", "after", "rain")
paragraphs = st.lists(st.sampled_from(WORDS), min_size=6, max_size=30).map(
    lambda words: " ".join(words).capitalize() + "."
)
# Page debris the line rules drop wherever it stands.
DEBRIS_BLOCKS = [code for code, _ in CODE_DEBRIS] + [
    "Floods Cut The Road To Velmora Again\nHarbour Strike Enters Its Third Week\n"
    "New Bridge Opens Over The Tessel River",
    "Velmora floods cut the road again 2 hours ago\nHarbour strike enters its third week\n"
    "12 May 2016\nNew bridge opens over the Tessel river",
    "We use cookies to improve your experience of Velmora Daily.\nAccept all cookies",
    "Sign up for our Velmora newsletter\nEnter your email address",
    "Your email address will not be published. Velmora readers only.",
]
parts = st.one_of(
    paragraphs.map(lambda text: (text, True)),
    st.sampled_from(DEBRIS_BLOCKS).map(lambda b: (b, False)),
)


@settings(max_examples=200, deadline=None)
@given(paragraphs, st.lists(parts, max_size=12), st.sampled_from(["\n", "\n\n", "\r\n"]))
def test_property_debris_goes_prose_stays(
    first: str, rest: list[tuple[str, bool]], newline: str
) -> None:
    """Code, link lists and forms are dropped as whole lines; no story paragraph is touched."""
    raw = newline.join([first, *(text for text, _ in rest)])
    if newline == "\r\n":
        raw = raw.replace("\r\n", "\n").replace("\n", "\r\n")
    clean = clean_text(raw)
    check_invariants(clean)
    assert first in clean.text
    for text, prose in rest:
        if prose:
            assert text in clean.text
            continue
        for line in text.splitlines():
            assert len(line.strip()) <= 3 or line.strip() not in clean.text, line
    for seg in clean.removed():
        if seg.reason.startswith(("code debris", "link list", "cookie", "newsletter", "comment")):
            assert seg.start == 0 or raw[seg.start - 1] == "\n", seg


def test_citation_marks_are_removed_and_offsets_kept() -> None:
    raw = "Advancing from Valemont,[12] the army took Orsk.[note 3][a] It held.[citation needed]\n"
    clean = clean_text(raw)
    check_invariants(clean)
    assert clean.text.strip() == "Advancing from Valemont, the army took Orsk. It held."
    start = clean.text.index("Orsk")
    assert clean.span_to_original(start, start + 4) == (raw.index("Orsk"), raw.index("Orsk") + 4)
