import time
from pathlib import Path

import pytest

from geo.pipeline.places.gazetteer import Gazetteer, default_index_path, distance_km, index_digest
from geo.pipeline.places.gazetteer_index import build_index, load_extra
from geo.pipeline.places.geocoder import FallbackGeocoder, GazetteerGeocoder


def test_opens_fast(gazetteer: Gazetteer) -> None:
    started = time.perf_counter()
    fresh = Gazetteer(gazetteer.path)
    fresh.candidates("Baghdad")
    # A generous bound: the point is "not seconds of JSON parsing", not a benchmark.
    assert time.perf_counter() - started < 1.0


def test_countries_provinces_and_cities(gazetteer: Gazetteer) -> None:
    iraq = gazetteer.candidates("Iraq")[0].place
    assert (iraq.level, iraq.geonameid, iraq.lat, iraq.lon) == ("country", 99237, 33.0, 44.0)
    nineveh = gazetteer.candidates("Nineveh")[0].place
    assert nineveh.level == "province" and nineveh.admin1 == "IQ.15"
    salah = gazetteer.candidates("Salah ad Din")[0].place
    assert salah.level == "province" and salah.country == "IQ"
    levels = {c.place.level for c in gazetteer.candidates("Baghdad")}
    assert {"province", "city"} <= levels


def test_search_by_name_start_and_by_geonames_id(gazetteer: Gazetteer) -> None:
    found = gazetteer.names_starting("nairo", 5)
    assert 2 <= len(found) <= 5 and len(set(found)) == len(found)  # each place once
    city = next(p for p in found if p.level == "city")
    assert city.name == "Nairobi"
    assert gazetteer.names_starting("  ", 5) == []
    [nairobi, *_] = gazetteer.by_geonameid(city.geonameid or 0)
    assert (nairobi.name, nairobi.country) == ("Nairobi", "KE")
    assert gazetteer.by_geonameid(-1) == []


def test_variants_without_a_list_per_town(gazetteer: Gazetteer) -> None:
    for variant in ["Raqqa", "Ar Raqqah", "Raqqah"]:
        assert any(c.place.country == "SY" for c in gazetteer.candidates(variant)), variant
    for variant in ["Qayyarah", "Al Qayyarah", "al-Qayyara"]:
        assert any(c.place.country == "IQ" for c in gazetteer.candidates(variant)), variant
    erbil = {c.place.geonameid for c in gazetteer.candidates("Erbil")}
    assert erbil & {c.place.geonameid for c in gazetteer.candidates("Irbil")}


def test_demonyms(gazetteer: Gazetteer) -> None:
    assert gazetteer.demonym("Iraqi").country == "IQ"
    assert gazetteer.demonym("Iranian").country == "IR"
    assert gazetteer.demonym("Iranians") is None  # a people, not a place
    assert gazetteer.demonym("French").country == "FR"  # not Mayotte
    assert gazetteer.demonym("European").level == "continent"
    assert gazetteer.demonym("Kurdish") is not None
    assert gazetteer.demonym("Sunni") is None


def test_curated_entries_need_a_source(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[[place]]\nname = "Nowhere"\nlat = 1\nlon = 2\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no source"):
        load_extra(extra)


def test_build_is_atomic_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "gaz.sqlite"
    target.write_bytes(b"previous good index")
    extra = tmp_path / "bad.toml"
    extra.write_text('[[alias]]\nname = "X"\ngeonameid = 1\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no source"):
        build_index(target, extra=extra)
    assert target.read_bytes() == b"previous good index"
    assert list(tmp_path.glob("*.tmp")) == []


def test_geopy_interface(gazetteer: Gazetteer) -> None:
    geocoder = GazetteerGeocoder(gazetteer)
    mosul = geocoder.geocode("Mosul")
    assert mosul is not None and abs(mosul.latitude - 36.34) < 0.1
    assert geocoder.geocode("Qwxzyville") is None
    assert len(geocoder.geocode("Washington", exactly_one=False)) > 1


class _FailingOnline:
    calls = 0

    def geocode(self, query: str):
        _FailingOnline.calls += 1
        raise TimeoutError("simulated timeout")


class _FakeOnline:
    calls = 0

    def geocode(self, query: str):
        from geopy.location import Location
        from geopy.point import Point

        _FakeOnline.calls += 1
        return Location(query, Point(10.0, 20.0), {})


def test_online_fallback_only_for_misses_and_cached(gazetteer: Gazetteer, tmp_path: Path) -> None:
    cache = tmp_path / "online.json"
    fallback = FallbackGeocoder(GazetteerGeocoder(gazetteer), _FakeOnline(), cache, 0)
    assert fallback.geocode("Mosul").latitude == pytest.approx(36.335, abs=0.01)
    assert _FakeOnline.calls == 0
    assert fallback.geocode("Qwxzyville").latitude == 10.0
    again = FallbackGeocoder(GazetteerGeocoder(gazetteer), _FakeOnline(), cache, 0)
    assert again.geocode("Qwxzyville").latitude == 10.0
    assert _FakeOnline.calls == 1  # the second answer came from the persistent cache


def test_online_failure_falls_back_quietly(gazetteer: Gazetteer, tmp_path: Path) -> None:
    fallback = FallbackGeocoder(
        GazetteerGeocoder(gazetteer), _FailingOnline(), tmp_path / "c.json", 0, 0
    )
    assert fallback.geocode("Qwxzyville") is None
    assert fallback.geocode("Mosul") is not None


def test_offline_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAMPAIGN_MAP_ONLINE_GEOCODER", raising=False)
    assert FallbackGeocoder.from_environment().online is None


def test_distance() -> None:
    from geo.pipeline.places.gazetteer import Place

    a = Place(1, "a", 48.8566, 2.3522, "FR", "", 0, "city", 1)
    b = Place(2, "b", 51.5074, -0.1278, "GB", "", 0, "city", 2)
    assert distance_km(a, b) == pytest.approx(343.5, abs=1)


def test_geoparser_asks_the_online_geocoder_only_for_misses(
    gazetteer: Gazetteer, tmp_path: Path
) -> None:
    from geo.pipeline.geoparse import Geoparser

    online = FallbackGeocoder(
        GazetteerGeocoder(gazetteer), _FakeOnline(), tmp_path / "o.json", 0, 0
    )
    parser = Geoparser(gazetteer=gazetteer, online=online)
    before = _FakeOnline.calls
    result = parser.parse("t", "Fighting spread from Mosul to the town of Qwxzyabad.")
    by_text = {t.text: t for t in result.toponyms}
    assert by_text["Mosul"].derived_from is None
    assert (by_text["Qwxzyabad"].lat, by_text["Qwxzyabad"].lon) == (10.0, 20.0)
    assert by_text["Qwxzyabad"].derived_from.startswith("online geocoder")
    assert _FakeOnline.calls == before + 1


def test_the_index_is_named_after_its_inputs(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text("")
    empty = index_digest(extra)
    extra.write_text('[[alias]]\nname = "Pal"\ngeonameid = 6252001\nsource = "test"\n')
    assert index_digest(extra) != empty  # a curated entry more: another index
    assert default_index_path().name == f"gazetteer-{index_digest()}.sqlite"
