"""Incidents: events that report one happening, grouped (geo.corpus.incidents), and the
scorer of the grouping (geo.evaluation.evaluate_incidents). Every event here is written
for the test: made-up towns at made-up points."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import random
import re
from pathlib import Path
from typing import Any

import pytest

from geo.corpus import incidents as incidents_module
from geo.corpus.incidents import (
    DEFAULT_RULES,
    incident_ids,
    incidents,
    load_rules,
    read_figure,
    unknown_merges,
)
from geo.evaluation.evaluate_incidents import (
    GoldLabel,
    align_events_dev,
    align_seeds,
    load_incident_gold,
    pair_scores,
    score_set,
)

# A made-up town and points around it (1 degree of latitude is 111 km).
TOWN = (34.0, 43.0)
KM = 1 / 111.32


def north(km: float) -> tuple[float, float]:
    return (TOWN[0] + km * KM, TOWN[1])


def event(
    event_id: str,
    date: str | None,
    end: str | None = None,
    *,
    place: str = "Alpha",
    point: tuple[float, float] = TOWN,
    level: str = "city",
    geonameid: int | None = 1001,
    uncertainty_km: float | None = None,
    basis: str = "explicit",
    event_type: str = "capture",
    planned: bool = False,
    figures: list[str] | None = None,
    actors: list[str] | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """An event feature as the build writes it (the fields the grouping reads)."""
    article = event_id.split(":")[0]
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [point[1], point[0]]},
        "properties": {
            "id": event_id,
            "place": place,
            "level": level,
            "geonameid": geonameid,
            "country": "XX",
            "uncertainty_km": uncertainty_km,
            "geo_precision": 3 if level in ("country", "province") else 1,
            "date_start": date,
            "date_end": end or date,
            "time_basis": basis if date else "unknown",
            "planned": planned,
            "event_type": event_type,
            "actors": actors or [],
            "figures": figures or [],
            "article_id": article,
            "article_source": source or f"Source of {article}",
        },
    }


def same(ids: list[str], *positions: int) -> bool:
    return len({ids[p] for p in positions}) == 1


# ------------------------------------------------------------------------- grouping


def test_two_reports_of_one_capture_from_two_sources_merge() -> None:
    ids = incident_ids(
        [
            event("wire:120", "2020-05-02", source="Wire"),
            event("paper:45", "2020-05-02", source="Paper", event_type="withdrawal"),
        ]
    )
    assert same(ids, 0, 1)


def test_a_town_and_its_airport_merge() -> None:
    # The airport is a facility named after the town: a point 9 km out, 15 km uncertain.
    ids = incident_ids(
        [
            event("a:10", "2020-05-02"),
            event(
                "b:20",
                "2020-05-02",
                place="Alpha airport",
                point=north(9),
                level="facility",
                geonameid=None,
                uncertainty_km=15.0,
                event_type="offensive",
            ),
        ]
    )
    assert same(ids, 0, 1)


def test_a_town_nearby_is_another_place() -> None:
    ids = incident_ids(
        [
            event("a:10", "2020-05-02"),
            event("b:20", "2020-05-02", place="Beta", point=north(30), geonameid=1002),
        ]
    )
    assert not same(ids, 0, 1)


def test_the_same_place_a_month_apart_is_two_incidents() -> None:
    ids = incident_ids([event("a:10", "2020-05-02"), event("b:20", "2020-06-02")])
    assert not same(ids, 0, 1)


def test_a_country_level_event_never_joins_a_towns() -> None:
    def country(event_id: str) -> dict[str, Any]:
        return event(event_id, "2020-05-02", place="Xland", level="country", geonameid=9)

    ids = incident_ids([event("a:10", "2020-05-02"), country("b:20"), country("c:30")])
    assert not same(ids, 0, 1)
    assert same(ids, 1, 2)  # the same country, the same day: one happening


def test_undated_events_are_never_grouped() -> None:
    ids = incident_ids([event("a:10", None), event("b:20", None), event("c:30", "2020-05-02")])
    assert len(set(ids)) == 3


def test_no_chaining_through_a_middle_report() -> None:
    # The middle report is 7 km from each end (within 8 km), the ends 14 km apart; it is
    # taken first (the smallest id), so a link to it alone would join both ends.
    ids = incident_ids(
        [
            event("b:20", "2020-05-02", point=TOWN, geonameid=None),
            event("a:10", "2020-05-02", point=north(7), geonameid=None),
            event("c:30", "2020-05-02", point=north(14), geonameid=None),
        ]
    )
    assert not same(ids, 0, 2)
    assert same(ids, 0, 1) or same(ids, 1, 2)


def test_no_chaining_through_overlapping_dates() -> None:
    # Monday-Tuesday overlaps Tuesday-Wednesday, which overlaps Wednesday-Thursday.
    ids = incident_ids(
        [
            event("a:10", "2020-05-04", "2020-05-05"),
            event("b:20", "2020-05-05", "2020-05-06"),
            event("c:30", "2020-05-06", "2020-05-07"),
        ]
    )
    assert not same(ids, 0, 2)


def test_a_report_dated_by_its_publication_day_joins_the_day_before() -> None:
    ids = incident_ids(
        [
            event("a:10", "2020-05-02", basis="relative"),  # "on Saturday"
            event("b:20", "2020-05-03", basis="publication"),  # a story of Sunday
            event("c:30", "2020-05-12", basis="publication"),  # ten days later
        ]
    )
    assert same(ids, 0, 1)
    assert not same(ids, 0, 2)


def test_a_day_does_not_join_the_siege_around_it() -> None:
    ids = incident_ids(
        [
            event("a:10", "2020-03-01", "2020-04-18", event_type="offensive"),  # seven weeks
            event("b:20", "2020-04-17", event_type="civilian_harm"),  # "on Sunday"
            event("c:30", "2020-03-02", "2020-04-18", event_type="offensive"),  # the siege
        ]
    )
    assert not same(ids, 0, 1)
    assert same(ids, 0, 2)


def test_a_meeting_is_not_the_battle() -> None:
    ids = incident_ids(
        [event("a:10", "2020-05-02"), event("b:20", "2020-05-02", event_type="meeting")]
    )
    assert not same(ids, 0, 1)


def test_a_plan_is_not_its_happening() -> None:
    ids = incident_ids(
        [
            event("a:10", "2020-05-02", event_type="offensive"),
            event("b:20", "2020-05-02", event_type="offensive", planned=True),
        ]
    )
    assert not same(ids, 0, 1)


def test_events_of_unknown_type_are_never_grouped() -> None:
    ids = incident_ids(
        [
            event("a:10", "2020-05-02", event_type="other"),
            event("b:20", "2020-05-02", event_type="other"),
        ]
    )
    assert not same(ids, 0, 1)


def test_ids_are_deterministic_and_stable_under_reordering() -> None:
    features = [
        event("wire:120", "2020-05-02"),
        event("paper:45", "2020-05-02", basis="publication"),
        event("paper:300", "2020-05-20"),
        event("blog:7", None),
        event("blog:90", "2020-05-02", place="Beta", point=north(40), geonameid=1002),
    ]
    by_event = dict(
        zip((f["properties"]["id"] for f in features), incident_ids(features), strict=True)
    )
    assert all(re.fullmatch(r"I-[0-9a-f]{10}", i) for i in by_event.values())
    for seed in range(5):
        shuffled = features[:]
        random.Random(seed).shuffle(shuffled)
        again = dict(
            zip((f["properties"]["id"] for f in shuffled), incident_ids(shuffled), strict=True)
        )
        assert again == by_event


def test_every_pair_in_an_incident_goes_together_in_a_random_pile() -> None:
    """Complete linkage, checked pair by pair against the rules on a pile of reports at a
    few places and dates (the grouping itself compares a report with summaries of an
    incident's spans and places, not with each member)."""
    rng = random.Random(7)
    # Mid is near enough to both others, which are too far apart: no chaining through it.
    places = [("Alpha", TOWN, 1001), ("Mid", north(6), 1003), ("Far", north(12), 1004)]
    features = []
    for n in range(400):
        name, point, geonameid = rng.choice(places)
        start = f"2020-05-{rng.randrange(1, 20):02d}"
        end = start[:-2] + f"{int(start[-2:]) + rng.choice([0, 0, 1, 3, 9]):02d}"
        features.append(
            event(
                f"a{n}:{n}",
                start,
                end,
                place=name,
                point=point,
                geonameid=geonameid,
                basis=rng.choice(["explicit", "publication"]),
                event_type=rng.choice(["capture", "offensive", "airstrike", "meeting"]),
            )
        )
    rules = load_rules()
    reports = [incidents_module._report(i, f, rules) for i, f in enumerate(features)]
    grouped = [i for i in incidents(features) if i.reports > 1]
    assert grouped and max(i.reports for i in grouped) > 10
    for incident in grouped:
        members = [reports[i] for i in incident.members]
        assert all(m is not None for m in members)
        for a, b in itertools.combinations(members, 2):
            assert a is not None and b is not None
            assert incidents_module._same_place(a, b, rules)
            assert incidents_module._similar_spans(a.span, b.span, rules)
            assert a.type_group == b.type_group
        assert max(m.start for m in members if m) <= min(m.end for m in members if m)


def test_the_id_is_the_earliest_events() -> None:
    first = incident_ids([event("b:20", "2020-05-02"), event("a:10", "2020-05-01", "2020-05-02")])
    assert first[0] == first[1] == incident_ids([event("a:10", "2020-05-01")])[0]


# ------------------------------------------------------------------ analysts' word


def linked(feature: dict[str, Any], kind: str, other: str | None = None) -> dict[str, Any]:
    feature["properties"]["incident_link"] = {"kind": kind, "with": other, "entry": "e1"}
    return feature


def judged(feature: dict[str, Any], status: str, at: str) -> dict[str, Any]:
    feature["properties"].update(verification=status, verified_at=at)
    return feature


def test_a_split_event_stands_alone() -> None:
    reports = [event("wire:120", "2020-05-02"), event("paper:45", "2020-05-02")]
    assert same(incident_ids(reports), 0, 1)
    ids = incident_ids([reports[0], linked(reports[1], "split")])
    assert not same(ids, 0, 1)


def test_a_merge_joins_what_the_rules_keep_apart() -> None:
    features = [
        event("wire:120", "2020-05-02"),
        event("paper:45", "2020-05-02"),
        # Another month, another place.
        event("radio:9", "2020-06-20", point=north(300), place="Beta", geonameid=2002),
    ]
    assert not same(incident_ids(features), 0, 2)
    # By the other event's id, or by the incident's id (what the map shows)...
    by_event = incident_ids(
        [features[0], features[1], linked(copy.deepcopy(features[2]), "merge", "paper:45")]
    )
    assert same(by_event, 0, 1, 2)
    target = incident_ids(features)[0]
    by_incident = incident_ids([*features[:2], linked(features[2], "merge", target)])
    assert same(by_incident, 0, 1, 2)
    # ...and the incident keeps its id: it is named after its earliest event.
    assert by_incident[2] == target


def test_a_merge_with_an_event_the_data_no_longer_has_is_said() -> None:
    features = [
        event("wire:120", "2020-05-02"),
        linked(event("paper:45", "2020-07-02"), "merge", "gone:1"),
    ]
    assert not same(incident_ids(features), 0, 1)
    assert unknown_merges(features) == [
        "correction e1: event paper:45 merges with gone:1, which the map data does not have"
    ]


def test_an_incidents_status_is_the_latest_verdict_on_any_report() -> None:
    reports = [event("wire:120", "2020-05-02"), event("paper:45", "2020-05-02")]
    assert incidents(reports)[0].verification == "unverified"
    judged(reports[0], "verified", "2020-06-01T10:00:00Z")
    assert incidents(reports)[0].verification == "verified"
    judged(reports[1], "rejected", "2020-06-02T10:00:00Z")
    assert incidents(reports)[0].verification == "rejected"
    judged(reports[0], "verified", "2020-06-03T10:00:00Z")
    assert incidents(reports)[0].verification == "verified"


# -------------------------------------------------------------------------- summary


def test_the_summary_lists_reports_sources_and_the_date_span() -> None:
    features = [
        event("wire:120", "2020-05-02", source="Wire"),
        event("paper:45", "2020-05-01", "2020-05-02", source="Paper"),
        event("wire:900", "2020-07-01", source="Wire"),
    ]
    found = incidents(features)
    assert [i.members for i in found] == [(0, 1), (2,)]
    capture = found[0]
    assert capture.sources == ("Paper", "Wire")
    assert capture.articles == ("paper", "wire")
    assert (capture.date_start, capture.date_end) == ("2020-05-01", "2020-05-02")
    assert capture.reports == 2 and capture.place == "Alpha"
    assert capture.id == incident_ids(features)[0]


def test_different_figures_for_the_same_thing_are_a_disagreement_with_both_sources() -> None:
    features = [
        event("wire:120", "2020-05-02", figures=["30,000 troops"], source="Wire"),
        event("paper:45", "2020-05-02", figures=["25,000 soldiers"], source="Paper"),
        event("paper:80", "2020-05-02", figures=["12 killed"], source="Paper"),
    ]
    (incident,) = incidents(features)
    (troops,) = [d for d in incident.disagreements if d.kind == "figures"]
    assert troops.about == "troops"
    assert [(s.value, s.sources, s.articles) for s in troops.sides] == [
        ("25,000 soldiers", ("Paper",), ("paper",)),
        ("30,000 troops", ("Wire",), ("wire",)),
    ]


def test_one_articles_two_figures_are_no_disagreement() -> None:
    features = [
        event("wire:120", "2020-05-02", figures=["9,000 troops", "3,000 troops"]),
        event("paper:45", "2020-05-02", figures=["9,000 troops"]),
    ]
    assert not [d for d in incidents(features)[0].disagreements if d.kind == "figures"]


def test_different_dates_and_actors_are_disagreements() -> None:
    features = [
        event("wire:120", "2020-05-02", actors=["Army"], basis="relative"),
        event("paper:45", "2020-05-02", "2020-05-03", actors=["Militia"], basis="relative"),
        event("blog:5", "2020-05-03", basis="publication"),  # the day it was told: no date
    ]
    (incident,) = incidents(features)
    kinds = {d.kind: d for d in incident.disagreements}
    assert [s.value for s in kinds["dates"].sides] == [
        "2020-05-02..2020-05-02",
        "2020-05-02..2020-05-03",
    ]
    assert [(s.value, s.articles) for s in kinds["actors"].sides] == [
        ("Army", ("wire",)),
        ("Militia", ("paper",)),
    ]


def test_figures_are_read_as_a_thing_and_a_number() -> None:
    assert read_figure("30,000 troops") == ("troops", 30000.0)
    assert read_figure("25,000 Iraqi soldiers") == ("troops", 25000.0)
    assert read_figure("force of 9,000") == ("troops", 9000.0)
    assert read_figure("1.5 million refugees") == ("refugees", 1_500_000.0)
    assert read_figure("17 dead") == ("killed", 17.0)
    assert read_figure("many troops") is None


# ------------------------------------------------------------------------- the rules


def test_every_rule_value_says_why(tmp_path: Path) -> None:
    """Each key of the rules file follows a comment (the reason or the source)."""
    lines = DEFAULT_RULES.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[a-z_]+\s*=", line):
            previous = next(p for p in reversed(lines[:number]) if p.strip())
            assert previous.lstrip().startswith("#"), f"line {number + 1}: {line}"


def test_an_unknown_type_in_the_rules_is_refused_with_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text(
        DEFAULT_RULES.read_text(encoding="utf-8").replace('"meeting"', '"parade"', 1),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"rules\.toml: unknown event type 'parade'"):
        load_rules(bad)


def test_the_rules_are_data() -> None:
    # A rules object with a wider radius groups what the file's rules keep apart.
    features = [
        event("a:10", "2020-05-02", geonameid=None),
        event("b:20", "2020-05-02", point=north(30), geonameid=None),
    ]
    wide = dataclasses.replace(load_rules(), same_place_km=40.0)
    assert not same(incident_ids(features), 0, 1)
    assert same(incident_ids(features, wide), 0, 1)


# ------------------------------------------------------------------------ the scorer


def test_the_rates_on_a_hand_made_case() -> None:
    # Gold: {0, 1} and {2, 3}; the system: {0, 1, 2} and {3}; event 4 was not made.
    scores = pair_scores(["g1", "g1", "g2", "g2", "g2"], ["s1", "s1", "s1", "s2", None])
    assert (scores.system_same, scores.false_merges) == (3, 2)  # 0-2 and 1-2 are wrong
    assert (scores.gold_same, scores.missed_merges) == (2, 1)  # 2-3 was missed
    assert scores.false_merge_rate == pytest.approx(2 / 3)
    assert scores.missed_merge_rate == pytest.approx(1 / 2)
    assert (scores.aligned, scores.gold_same_all) == (4, 4)  # 2-4 and 3-4: gold, unaligned
    assert sorted(scores.false_merge_pairs) == ["0 + 2", "1 + 2"]


def test_no_pairs_give_zero_rates() -> None:
    scores = pair_scores(["g1", "g2"], ["s1", "s2"])
    assert (scores.false_merge_rate, scores.missed_merge_rate) == (0.0, 0.0)


def test_score_set_reads_the_alignment() -> None:
    labels = [
        GoldLabel("events-dev", "a", "one", event=0),
        GoldLabel("events-dev", "b", "one", event=0),
        GoldLabel("events-dev", "c", "two", event=0),
    ]
    scores = score_set(labels, {0: 5, 1: 6, 2: 7}, ["x"] * 5 + ["I-1", "I-1", "I-1"])
    assert (scores.false_merges, scores.system_same, scores.missed_merges) == (2, 3, 0)


def test_a_gold_event_aligns_with_the_event_of_its_evidence_sentence() -> None:
    text = "Rebels took Alpha on Friday. Later that day Alpha was calm."
    documents = {
        "a": {
            "text": text,
            "events": [
                {
                    "place": "Alpha",
                    "lat": TOWN[0],
                    "lon": TOWN[1],
                    "level": "city",
                    "date_start": "2020-05-01",
                    "date_end": "2020-05-01",
                    "type": "capture",
                    "evidence": "Later that day Alpha was calm.",
                }
            ],
        }
    }
    features = [event("a:0", "2020-05-01"), event("a:29", "2020-05-01", event_type="other")]
    labels = [GoldLabel("events-dev", "a", "one", event=0)]
    assert align_events_dev(labels, documents, features, lambda g: None) == {0: 1}
    # From any sentence, the same type is preferred.
    assert align_events_dev(labels, documents, features, lambda g: None, True) == {0: 0}
    # A system event on another day does not match.
    moved = [event("a:29", "2020-06-01")]
    assert align_events_dev(labels, documents, moved, lambda g: None) == {}


def test_a_seed_label_aligns_by_offset_and_place() -> None:
    features = [event("s:40", "2020-05-01"), event("s:2:40", "2020-05-01", place="Beta")]
    labels = [GoldLabel("seeds", "s", "one", offset=40, place="Beta")]
    assert align_seeds(labels, features) == {0: 1}


def test_the_gold_file_reads_and_covers_enough(tmp_path: Path) -> None:
    labels = load_incident_gold(Path(__file__).parent.parent / "benchmarks/incidents_gold.jsonl")
    assert len(labels) >= 60 and len({lb.article for lb in labels}) >= 15
    # Several reports per incident, across articles.
    by_incident: dict[str, set[str]] = {}
    for label in labels:
        by_incident.setdefault(label.incident, set()).add(label.article)
    assert sum(len(articles) > 1 for articles in by_incident.values()) >= 10
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"set": "seeds"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"gold\.jsonl:1: not an incident label"):
        load_incident_gold(bad)


def test_the_build_gives_every_event_its_incident(tmp_path: Path) -> None:
    """Two reports of one capture, in two articles from two sources: one incident id in
    events.geojson; another place, another incident."""
    from geo.corpus.build import build
    from geo.map.filters import load_events

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wire.txt").write_text("Rebels captured Gulu on 3 May 2019, officials said.\n")
    (corpus / "wire.toml").write_text('source = "Wire One"\npublished = 2019-05-04\n')
    (corpus / "paper.txt").write_text("Rebels seized Gulu on 3 May 2019, witnesses said.\n")
    (corpus / "paper.toml").write_text('source = "Paper Two"\npublished = 2019-05-05\n')
    (corpus / "other.txt").write_text("Rebels captured Lira on 20 June 2019, officials said.\n")
    build(corpus, tmp_path / "out", processes=1, progress=False)
    by_article = {
        f["properties"]["article_id"]: f["properties"]["incident_id"]
        for f in load_events(tmp_path / "out" / "events.geojson")
    }
    assert by_article["wire"] == by_article["paper"] != by_article["other"]
    assert all(i.startswith("I-") for i in by_article.values())


def disagreeing_corpus(folder: Path) -> Path:
    """Two sources report one capture with different figures; a third event stands alone."""
    folder.mkdir()
    (folder / "wire.txt").write_text(
        "Rebels captured Gulu on 3 May 2019 with 3,000 fighters, officials said.\n"
    )
    (folder / "wire.toml").write_text('source = "Wire One"\npublished = 2019-05-04\n')
    (folder / "paper.txt").write_text(
        "Rebels seized Gulu on 3 May 2019 with 5,000 fighters, witnesses said.\n"
    )
    (folder / "paper.toml").write_text('source = "Paper Two"\npublished = 2019-05-05\n')
    (folder / "other.txt").write_text("Rebels captured Lira on 20 June 2019, officials said.\n")
    return folder


def test_reports_and_disagreement_reach_the_record_popup_and_filters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.cli import main
    from geo.corpus.build import build
    from geo.map import filters, popup

    corpus = disagreeing_corpus(tmp_path / "corpus")
    data = tmp_path / "out"
    build(corpus, data, processes=1, progress=False)
    events = {
        f["properties"]["article_id"]: f for f in filters.load_events(data / "events.geojson")
    }
    wire = events["wire"]["properties"]
    assert (wire["incident_reports"], wire["incident_sources"], wire["disagreement"]) == (
        2,
        2,
        True,
    )
    lone = events["other"]["properties"]
    assert (lone["incident_reports"], lone["disagreement"]) == (1, False)
    label = "One of 2 reports of this incident (2 sources); the reports disagree"
    assert label in popup.event_popup(wire)
    assert popup.browser_event(events["wire"], {})["il"] == label
    assert "il" not in popup.browser_event(events["other"], {})
    verified = {**wire, "incident_verification": "verified"}
    assert popup.incident_label(verified) == label + "; the incident is verified"  # type: ignore[arg-type]
    kept = filters.filter_events(list(events.values()), filters.EventFilter(disagreeing_only=True))
    assert {f["properties"]["article_id"] for f in kept} == {"wire", "paper"}
    out = tmp_path / "disagree.geojson"
    assert main(["export", "--data", str(data), "--out", str(out), "--disagreeing"]) == 0
    assert "2 events" in capsys.readouterr().out
