"""Offline map assets: no CDN link survives make_offline, and folium's classes stay untouched."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import folium
import pytest
from folium.plugins import Fullscreen, MarkerCluster

import geo.map.assets as assets
from geo.map.assets import (
    AssetsMissing,
    UnsupportedAsset,
    assert_no_remote_urls,
    leaflet_css,
    leaflet_js,
    make_offline,
    remote_urls,
)

POINTS = [(31.0, 40.0), (34.0, 44.0), (37.0, 48.0)]  # far apart: no clustering at zoom 6


def offline_map(popup: bool = False) -> folium.Map:
    m = folium.Map(tiles=None, location=[34.0, 44.0], zoom_start=6)
    cluster = MarkerCluster(name="events").add_to(m)
    for i, (lat, lon) in enumerate(POINTS):
        folium.CircleMarker(
            [lat, lon],
            radius=8,
            fill=True,
            class_name=f"event event-{i}",
            popup=folium.Popup(f"event {i}") if popup and i == 1 else None,
        ).add_to(cluster)
    folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "area"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[41, 32], [43, 32], [43, 33], [41, 32]]],
                    },
                },
                {
                    "type": "Feature",
                    "properties": {"name": "pin"},
                    "geometry": {"type": "Point", "coordinates": [46.0, 30.5]},
                },
            ],
        },
        name="shapes",
    ).add_to(m)
    return make_offline(m)


@pytest.fixture(scope="module")
def html() -> str:
    return offline_map().get_root().render()


def test_rendered_map_has_no_remote_url_and_inlines_leaflet(html: str) -> None:
    assert_no_remote_urls(html)
    assert "https://" not in html and "http://" not in html
    assert f'src="{leaflet_js()}"' in html
    assert f'href="{leaflet_css()}"' in html
    assert leaflet_js().startswith("data:text/javascript")
    assert leaflet_css().startswith("data:text/css")
    css = base64.b64decode(leaflet_css().split(",", 1)[1]).decode()
    assert "url(images/" not in css and 'url("data:image/png;base64,' in css
    assert '"maxZoom": 18' in html  # MarkerCluster needs it on a map without tiles
    assert "L.Icon.Default.mergeOptions" in html


def _linked(html: str) -> tuple[set[str], set[str]]:
    scripts = set(re.findall(r'<script src="([^"]+)"', html))
    styles = set(re.findall(r'<link rel="stylesheet" href="([^"]+)"', html))
    return scripts, styles


def test_links_only_for_what_the_map_uses(html: str) -> None:
    # no folium.Icon: no Bootstrap, Font Awesome, awesome markers; no Popup: no jQuery
    scripts, styles = _linked(html)
    assert scripts == {leaflet_js(), assets._local_uri("markerclusterjs")}
    assert styles == {
        leaflet_css(),
        assets._local_uri("markerclustercss"),
        assets._local_uri("markerclusterdefaultcss"),
    }


def test_popup_keeps_jquery_local() -> None:
    html = offline_map(popup=True).get_root().render()
    assert_no_remote_urls(html)
    assert assets._local_uri("jquery") in _linked(html)[0]


def test_folium_classes_are_not_mutated() -> None:
    before_map = list(folium.Map.default_js), list(folium.Map.default_css)
    before_cluster = list(MarkerCluster.default_js), list(MarkerCluster.default_css)
    offline = offline_map()
    assert offline.default_js is not folium.Map.default_js
    assert (folium.Map.default_js, folium.Map.default_css) == before_map
    assert (MarkerCluster.default_js, MarkerCluster.default_css) == before_cluster
    plain = folium.Map(tiles=None)
    assert plain.default_js == before_map[0]
    assert plain.default_js[0] == (
        "leaflet",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
    )
    assert remote_urls(plain.get_root().render())


def test_make_offline_is_idempotent_and_icon_script_runs_first() -> None:
    m = offline_map()
    first = list(m.default_js)
    make_offline(m)
    assert m.default_js == first
    names = list(m._children)
    assert names[0].startswith("default_icon_urls")
    assert sum(name.startswith("default_icon_urls") for name in names) == 1


def test_assert_no_remote_urls_catches_each_way_of_loading() -> None:
    planted = [
        '<script src="https://cdn.example.org/lib.js"></script>',
        "<link rel='stylesheet' href='//cdn.example.org/x.css'/>",
        "<img src=http://example.org/a.png>",
        "<style>.a { background: url('https://example.org/bg.png') }</style>",
        '<style>@import "https://example.org/more.css";</style>',
        'L.tileLayer("https://{s}.tile.example.org/{z}/{x}/{y}.png").addTo(m);',
        '<link rel="stylesheet" href="data:text/css;base64,'
        + base64.b64encode(b"@font-face{src:url(https://example.org/f.woff2)}").decode()
        + '"/>',
    ]
    for snippet in planted:
        with pytest.raises(AssertionError, match=r"example\.org"):
            assert_no_remote_urls(f"<html><head>{snippet}</head><body></body></html>")
    # a link to follow is not a load; data: and relative URLs are local
    assert_no_remote_urls(
        '<a href="https://example.org">source</a><img src="data:image/png;'
        'base64,AAAA"><script src="local.js"></script>'
    )


def test_missing_assets_say_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(assets, "ASSETS", tmp_path / "node_modules")
    with pytest.raises(AssetsMissing, match=r"make setup.*npm ci"):
        make_offline(folium.Map(tiles=None))
    (tmp_path / "node_modules").mkdir()
    with pytest.raises(AssetsMissing, match=r"leaflet\.js.*npm ci"):
        leaflet_js()


def test_unshipped_libraries_fail_loudly() -> None:
    m = folium.Map(tiles=None)
    folium.Marker([33, 44], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(UnsupportedAsset, match="folium.Icon"):
        make_offline(m)
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(UnsupportedAsset, match=r"Fullscreen.*leaflet\.fullscreen"):
        make_offline(m)


def test_divicon_and_circle_markers_need_nothing_more() -> None:
    m = folium.Map(tiles=None)
    folium.Marker([33, 44], icon=folium.DivIcon(html="<b>x</b>")).add_to(m)
    html = make_offline(m).get_root().render()
    assert_no_remote_urls(html)


def test_links_streamlit_folium_collects_are_all_local() -> None:
    # st_folium gathers default_js/default_css of every element under the map
    m = offline_map(popup=True)
    links = [
        url
        for element in assets._walk(m)
        for attribute in ("default_js", "default_css")
        for _, url in getattr(element, attribute, [])
    ]
    assert links and all(url.startswith("data:") for url in links)


def test_jquery_can_be_asked_for_after_it_was_dropped() -> None:
    m = offline_map()
    assert all(name != "jquery" for name, _ in m.default_js)
    make_offline(m, jquery=True)
    assert ("jquery", assets._local_uri("jquery")) in m.default_js
