"""Text from articles and users made safe for the page: the project's one HTML escaper, one
Markdown escaper and one URL check. (The page's JavaScript has its own one escaper,
`cmEsc` in geo/map/static/escape.js.)

folium and Leaflet write popup and tooltip strings into innerHTML (and folium into
JavaScript template strings), and Streamlit renders Markdown: article text reaches either
only through these functions.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse


def escape_text(text: object) -> str:
    """HTML-escape and defuse JavaScript template syntax (backticks, `${`)."""
    escaped = html.escape("" if text is None else str(text), quote=True)
    # No raw line breaks either: in st.markdown a blank line would end the HTML block and
    # the rest (a sidecar title's second paragraph) would be read as Markdown.
    return (
        escaped.replace("`", "&#96;")
        .replace("${", "&#36;{")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
    )


def escape_markdown(text: object) -> str:
    """Text as literal text in Streamlit's Markdown (st.error, st.warning): every ASCII
    punctuation mark as a character reference, so no link, emphasis, LaTeX or colour
    directive can form (a bare www. address is still linked); whitespace collapsed."""
    return re.sub(r"[!-/:-@\[-`{-~]", lambda m: f"&#{ord(m.group())};", " ".join(str(text).split()))


def safe_url(url: object) -> str | None:
    """Only http(s) links are shown; `javascript:` and friends are dropped."""
    if not isinstance(url, str):
        return None
    return url if urlparse(url.strip()).scheme in {"http", "https"} else None
