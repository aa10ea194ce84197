"""Map assets without a network: folium's CDN links replaced by local data: URIs, and the
project's own scripts and styles (geo/map/static/) linked the same way.

folium writes `<script src="https://cdn...">` and `<link href="https://cdn...">` for Leaflet and
its plugins. The same files come from the npm registry at set-up (`assets/package.json` and its
lockfile, installed with `npm ci --ignore-scripts` into `assets/node_modules/`, git-ignored) and
are inlined as data: URIs, so an exported HTML file and the streamlit-folium component draw with
no network. streamlit-folium loads a map's `js_links`/`css_links` with `script.src`/`link.href`,
so data: URIs work there too.

Traps this module avoids (see the project notes):
- folium's `default_js`/`default_css` are class-level lists shared by every map in the process;
  they are replaced on the instance only, never mutated;
- Leaflet finds its default marker icon relative to its CSS, which breaks once the CSS is
  inlined: the icon URLs are set explicitly, in a script that runs before any marker is made;
- MarkerCluster throws "Map has no maxZoom specified" on a map without tiles: maxZoom is set.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import folium
from branca.colormap import ColorMap
from branca.element import Element, MacroElement
from folium.template import Template

from geo.paths import NODE_MODULES

# (file name, text) -> the URL the page loads it from; see make_offline.
PublishAsset = Callable[[str, str], str]

ASSETS = NODE_MODULES
# The project's own JavaScript and CSS (package data). Elements link them as
# `cm-static:<file>` until make_offline points the link at the app's static files or
# inlines the file.
STATIC = Path(__file__).resolve().parent / "static"
STATIC_SCHEME = "cm-static:"
INSTALL_HINT = "run `make setup` (npm ci in assets/: `cd assets && npm ci --ignore-scripts`)"
DEFAULT_MAX_ZOOM = 18


class AssetsMissing(RuntimeError):
    """The npm-installed map libraries are not on disk."""


class UnsupportedAsset(RuntimeError):
    """A map element needs a library that is not shipped offline."""


@dataclass(frozen=True)
class _Local:
    package: str  # npm package directory under node_modules
    path: str  # file inside it
    version: str  # the version folium's URL must name (the lockfile pins the same)
    mime: str


# folium's link names -> the same file from node_modules (folium 0.20.0's versions).
_LOCAL: dict[str, _Local] = {
    "leaflet": _Local("leaflet", "dist/leaflet.js", "1.9.3", "text/javascript"),
    "leaflet_css": _Local("leaflet", "dist/leaflet.css", "1.9.3", "text/css"),
    "jquery": _Local("jquery", "dist/jquery.min.js", "3.7.1", "text/javascript"),
    "markerclusterjs": _Local(
        "leaflet.markercluster", "dist/leaflet.markercluster.js", "1.1.0", "text/javascript"
    ),
    "markerclustercss": _Local(
        "leaflet.markercluster", "dist/MarkerCluster.css", "1.1.0", "text/css"
    ),
    "markerclusterdefaultcss": _Local(
        "leaflet.markercluster", "dist/MarkerCluster.Default.css", "1.1.0", "text/css"
    ),
}
# Needed only by folium.Icon (awesome markers), which this project does not use.
_ICON_ONLY = frozenset(
    {
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)
_SOURCE_MAP = re.compile(r"^\s*//[#@] sourceMappingURL=\S*\s*$", re.MULTILINE)
_CSS_SOURCE_MAP = re.compile(r"/\*[#@] sourceMappingURL=[^*]*\*/")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_IMAGE_MIME = {
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}


def _require(path: Path) -> Path:
    if not path.is_file():
        raise AssetsMissing(f"map asset {path} is missing: {INSTALL_HINT}")
    return path


def data_uri(path: Path, mime: str) -> str:
    """The file as a base64 data: URI."""
    data = _require(Path(path)).read_bytes()
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _text_uri(text: str, mime: str) -> str:
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"data:{mime};charset=utf-8;base64,{encoded}"


def _inline_css(path: Path) -> str:
    """CSS text with every relative url(...) it points to inlined as a data: URI."""
    css = _CSS_SOURCE_MAP.sub("", _require(path).read_text(encoding="utf-8"))

    def inline(match: re.Match[str]) -> str:
        url = match.group(2).strip()
        if url.startswith(("data:", "#")):
            return match.group(0)
        if re.match(r"^(?:[a-z]+:)?//", url, re.IGNORECASE):
            raise UnsupportedAsset(f"{path} loads {url} from the network")
        target = (path.parent / url.split("?")[0].split("#")[0]).resolve()
        mime = _IMAGE_MIME.get(target.suffix.lower())
        if mime is None:
            raise UnsupportedAsset(f"{path}: cannot inline {url} (unknown file type)")
        return f'url("{data_uri(target, mime)}")'

    return _CSS_URL.sub(inline, css)


def _local_uri(name: str) -> str:
    return _local_uri_at(ASSETS, name)


@lru_cache(maxsize=64)
def _local_uri_at(root: Path, name: str) -> str:
    return _text_uri(_local_text_at(root, name), _LOCAL[name].mime)


@lru_cache(maxsize=64)
def _local_text_at(root: Path, name: str) -> str:
    """The installed file, ready to load from anywhere: CSS with its images inlined, no
    source-map comments (they would make the browser ask for files that are not there)."""
    local = _LOCAL[name]
    path = _require(root / local.package / local.path)
    if local.mime == "text/css":
        return _inline_css(path)
    return _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))


def static_links(*file_names: str) -> list[tuple[str, str]]:
    """folium links (name, url) to files of geo/map/static/, for an element's `default_js` or
    `default_css`. Named by file, so each loads once per page however many elements list
    it (folium's header and streamlit-folium both de-duplicate)."""
    for name in file_names:
        if not (STATIC / name).is_file():  # a typo fails when the element is defined
            raise FileNotFoundError(f"no {name} in {STATIC}")
    return [(name, STATIC_SCHEME + name) for name in file_names]


@lru_cache(maxsize=32)
def static_text(file_name: str) -> str:
    """A file of geo/map/static/ (read once per process)."""
    return (STATIC / file_name).read_text(encoding="utf-8")


def _static_link(file_name: str, publish: PublishAsset | None) -> str:
    text = static_text(file_name)
    if publish is not None:
        return publish(file_name, text)
    mime = "text/css" if file_name.endswith(".css") else "text/javascript"
    return _text_uri(text, mime)


def _local_link(name: str, publish: PublishAsset | None) -> str:
    if publish is None:
        return _local_uri(name)
    suffix = ".css" if _LOCAL[name].mime == "text/css" else ".js"
    return publish(name + suffix, _local_text_at(ASSETS, name))


def leaflet_js() -> str:
    """Leaflet's JavaScript as a data: URI."""
    return _local_uri("leaflet")


def leaflet_css() -> str:
    """Leaflet's CSS as a data: URI, its images inlined."""
    return _local_uri("leaflet_css")


def _marker_icons() -> dict[str, str]:
    return _marker_icons_at(ASSETS)


@lru_cache(maxsize=8)
def _marker_icons_at(root: Path) -> dict[str, str]:
    images = root / "leaflet" / "dist" / "images"
    return {
        "iconUrl": data_uri(images / "marker-icon.png", "image/png"),
        "iconRetinaUrl": data_uri(images / "marker-icon-2x.png", "image/png"),
        "shadowUrl": data_uri(images / "marker-shadow.png", "image/png"),
    }


class DefaultIconUrls(MacroElement):
    """Sets Leaflet's default marker icon to data: URIs (its CSS-relative lookup fails inline).

    Its script is part of the map's script, so it also runs inside streamlit-folium, where
    inline `<script>` elements of the page header are dropped.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = "";
            L.Icon.Default.mergeOptions({{ this.urls|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "DefaultIconUrls"
        self.urls = _marker_icons()


def _walk(element: Element) -> Iterator[Element]:
    yield element
    marker = getattr(element, "marker", None)  # GeoJson(marker=...) keeps it outside _children
    if isinstance(marker, Element):
        yield from _walk(marker)
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


def _uses_awesome_icon(element: Element) -> bool:
    return isinstance(element, folium.Icon) and not isinstance(element, folium.CustomIcon)


def _needs_jquery(elements: list[Element]) -> bool:
    """folium.Popup, a map's objects_to_stay_in_front and a GeoJson loaded by URL use `$`."""
    for element in elements:
        if isinstance(element, folium.Popup) or getattr(element, "objects_to_stay_in_front", None):
            return True
        if isinstance(element, folium.GeoJson) and not getattr(element, "embed", True):
            return True
    return False


def _is_remote(url: str) -> bool:
    return bool(re.match(r"^\s*(?:https?:)?//", url, re.IGNORECASE))


def _offline_links(
    owner: Element,
    links: list[tuple[str, str]],
    keep_jquery: bool,
    publish: PublishAsset | None = None,
) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for name, url in links:
        if url.startswith(STATIC_SCHEME):
            result.append((name, _static_link(url.removeprefix(STATIC_SCHEME), publish)))
        elif not _is_remote(url):
            result.append((name, url))  # already local (a data: URI from an earlier call)
        elif name in _ICON_ONLY or (name == "jquery" and not keep_jquery):
            continue
        elif name in _LOCAL:
            local = _LOCAL[name]
            if local.version not in url:
                raise UnsupportedAsset(
                    f"{type(owner).__name__} wants {name} from {url}, but the offline copy is "
                    f"{local.package} {local.version} (assets/package.json)"
                )
            result.append((name, _local_link(name, publish)))
        else:
            raise UnsupportedAsset(
                f"{type(owner).__name__} needs '{name}' ({url}), which is not shipped offline; "
                "add its npm package to assets/package.json and to geo/assets.py, or do not "
                "use this element"
            )
    return result


def make_offline(
    m: folium.Map,
    jquery: bool | None = None,
    max_zoom: int = DEFAULT_MAX_ZOOM,
    publish: PublishAsset | None = None,
) -> folium.Map:
    """Point every CDN link of the map and of its elements at local data: URIs; returns `m`.

    With `publish(file_name, text) -> url` the files are handed to it instead (the app
    writes them to its own static files), so the links are short same-host URLs: the
    app resends its map's arguments on every rerun, and 270 KB of data: URIs made each
    slider move slow.

    Call it after the layers are added; it is idempotent, so call it again after adding more
    (it also accepts a FeatureGroup or any other element). Links needed only by folium.Icon
    (Bootstrap, Font Awesome, awesome markers) are dropped, and folium.Icon raises
    UnsupportedAsset. jQuery is kept only when an element uses it (folium.Popup does);
    pass `jquery=True` on the base map when Popups come later, e.g. in streamlit-folium's
    `feature_group_to_add`, whose links st_folium does not collect. An element that needs a
    library not shipped offline raises UnsupportedAsset naming it.
    """
    if not ASSETS.is_dir():
        raise AssetsMissing(f"map assets not installed at {ASSETS}: {INSTALL_HINT}")
    elements = list(_walk(m))
    for element in elements:
        if _uses_awesome_icon(element):
            raise UnsupportedAsset(
                "folium.Icon needs Bootstrap, Font Awesome and awesome-markers, which are not "
                "shipped offline; use folium.CircleMarker or folium.DivIcon"
            )
        if isinstance(element, ColorMap):
            raise UnsupportedAsset("a branca ColorMap makes streamlit-folium load d3 from a CDN")
    keep_jquery = _needs_jquery(elements) if jquery is None else jquery
    for element in elements:
        for attribute in ("default_js", "default_css"):
            links = getattr(element, attribute, None)
            if links:
                # a new list on the instance: folium's class-level lists stay untouched
                setattr(
                    element, attribute, _offline_links(element, list(links), keep_jquery, publish)
                )
    if isinstance(m, folium.Map):
        if keep_jquery and all(name != "jquery" for name, _ in m.default_js):
            m.default_js = [*m.default_js, ("jquery", _local_link("jquery", publish))]
        if "max_zoom" not in m.options and "maxZoom" not in m.options:
            m.options["max_zoom"] = max_zoom
        if not any(isinstance(child, DefaultIconUrls) for child in m._children.values()):
            icons = DefaultIconUrls()
            m.add_child(icons)
            m._children.move_to_end(icons.get_name(), last=False)  # before any marker
    return m


# ---------------------------------------------------------------------------------------
# Checking output

_TAG = re.compile(r"<(?P<tag>[a-zA-Z][\w-]*)\b(?P<attrs>[^>]*)>")
_ATTR = re.compile(
    r"""\s(?P<attr>src|srcset|poster|data|background|href|xlink:href)\s*=\s*"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))""",
    re.IGNORECASE,
)
_CSS_REMOTE = re.compile(r"""url\(\s*(['"]?)\s*((?:https?:)?//[^'")\s]+)""", re.IGNORECASE)
_IMPORT_REMOTE = re.compile(
    r"""@import\s+(?:url\(\s*)?['"]?\s*((?:https?:)?//[^'")\s;]+)""", re.IGNORECASE
)
_TILE_REMOTE = re.compile(r"""L\.tileLayer(?:\.wms)?\(\s*['"]((?:https?:)?//[^'"]+)""")
_TEXT_DATA_URI = re.compile(
    r"""data:(text/(?:css|html))(?:;charset=[\w-]+)?;base64,([A-Za-z0-9+/=]+)""", re.IGNORECASE
)
_LOADING_TAGS = frozenset(
    {
        "script",
        "img",
        "iframe",
        "source",
        "audio",
        "video",
        "embed",
        "input",
        "track",
        "object",
        "body",
        "table",
        "td",
        "link",
        "image",
        "use",
    }
)


def remote_urls(html: str) -> list[str]:
    """Every http(s) or protocol-relative URL the browser would fetch for this page.

    Looks at src/href-like attributes of loading tags (<a href> is a link, not a load),
    url(...) and @import in CSS, Leaflet tile URLs, and inside inlined CSS/HTML data: URIs.
    """
    found: list[str] = []
    for tag_match in _TAG.finditer(html):
        tag = tag_match["tag"].lower()
        if tag not in _LOADING_TAGS:
            continue
        for match in _ATTR.finditer(tag_match["attrs"]):
            attr = match["attr"].lower()
            url = match["dq"] if match["dq"] is not None else match["sq"] or match["bare"] or ""
            if attr.endswith("href") and tag not in {"link", "image", "use"}:
                continue  # <a href> is a link to follow, not a load
            if attr == "srcset":
                urls = [part.split()[0] for part in url.split(",") if part.strip()]
            else:
                urls = [url]
            found.extend(u.strip() for u in urls if _is_remote(u))
    found.extend(m.group(2) for m in _CSS_REMOTE.finditer(html))
    found.extend(m.group(1) for m in _IMPORT_REMOTE.finditer(html))
    found.extend(m.group(1) for m in _TILE_REMOTE.finditer(html))
    for match in _TEXT_DATA_URI.finditer(html):
        inner = base64.b64decode(match.group(2)).decode("utf-8", errors="replace")
        found.extend(remote_urls(inner))
    return list(dict.fromkeys(found))


def assert_no_remote_urls(html: str) -> None:
    """Raise AssertionError listing every remote URL the page would load."""
    urls = remote_urls(html)
    if urls:
        listed = "\n  ".join(urls)
        raise AssertionError(f"the page loads {len(urls)} remote URL(s):\n  {listed}")


if __name__ == "__main__":  # pragma: no cover - a quick look at the asset sizes
    for name in sorted(_LOCAL):
        print(f"{name:26} {len(_local_uri(name)):>9,} characters")
