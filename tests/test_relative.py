import pytest

from geo.pipeline.places.gazetteer import Place, distance_km
from geo.pipeline.places.relative import Anchor, derive_point

ANCHOR = Anchor(0, 0, "Anchortown", 35.8, 43.29)


def _derive(sentence: str, unknown: str, anchors: list[tuple[str, float, float]]):
    found = []
    for name, lat, lon in anchors:
        start = sentence.index(name, sentence.index(unknown) + len(unknown))
        found.append(Anchor(start, start + len(name), name, lat, lon))
    return derive_point(sentence, sentence.index(unknown) + len(unknown), found)


@pytest.mark.parametrize(
    ("sentence", "km", "bearing_lat_sign"),
    [
        ("the town of Xville, located 10 kilometres (6 miles) south of Anchortown.", 10, -1),
        ("Xville, 20 km north of Anchortown, fell.", 20, 1),
        ("Xville, some 6 miles north of the Anchortown", 9.66, 1),
        ("Xville, which is about 15 kilometers south-east of Anchortown", 15, -1),
    ],
)
def test_distance_and_direction(sentence: str, km: float, bearing_lat_sign: int) -> None:
    point = _derive(sentence, "Xville", [("Anchortown", 35.8, 43.29)])
    assert point is not None
    here = Place(0, "x", point.lat, point.lon, "", "", 0, "derived", None)
    there = Place(1, "a", 35.8, 43.29, "", "", 0, "city", None)
    assert distance_km(here, there) == pytest.approx(km, rel=0.02)
    assert (point.lat - 35.8) * bearing_lat_sign > 0
    assert point.uncertainty_km >= 2.0
    assert point.anchors == ("Anchortown",)


def test_between_two_places_is_the_midpoint() -> None:
    point = _derive(
        "the village of Xville, between Alpha and Beta",
        "Xville",
        [("Alpha", 34.0, 43.0), ("Beta", 36.0, 45.0)],
    )
    assert point is not None
    assert (point.lat, point.lon) == (35.0, 44.0)


def test_a_derived_point_takes_its_anchors_country() -> None:
    sentence = "the village of Xville, 12 km west of Alpha; Yville, between Alpha and Beta"
    at = sentence.index("Alpha")
    alpha = Anchor(at, at + 5, "Alpha", 34.0, 43.0, "AA")
    point = derive_point(sentence, sentence.index("Xville") + 6, [alpha])
    assert point is not None and point.country == "AA"
    at = sentence.index("Beta")
    for beta_country, expected in (("AA", "AA"), ("BB", "")):  # two countries: neither
        beta = Anchor(at, at + 4, "Beta", 36.0, 45.0, beta_country)
        second = sentence.index("Alpha", sentence.index("Yville"))
        alpha2 = Anchor(second, second + 5, "Alpha", 34.0, 43.0, "AA")
        point = derive_point(sentence, sentence.index("Yville") + 6, [alpha2, beta])
        assert point is not None and point.country == expected


def test_no_phrase_no_point() -> None:
    assert _derive("Xville fell to Anchortown forces.", "Xville", [("Anchortown", 1, 1)]) is None
    # A distance phrase that leads to something that is not a resolved place.
    text = "Xville, 10 km south of nowhere"
    assert derive_point(text, 6, []) is None
