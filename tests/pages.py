"""Reading rendered pages: the files they inline as data: URIs, decoded."""

from __future__ import annotations

import base64
import re

_TEXT_URI = re.compile(r"data:text/(?:javascript|css)(?:;charset=[\w-]+)?;base64,([A-Za-z0-9+/=]+)")


def inlined_files(html: str) -> str:
    """The text of every script and style sheet the page inlines as a data: URI."""
    return "\n".join(base64.b64decode(m.group(1)).decode("utf-8") for m in _TEXT_URI.finditer(html))


def page_code(html: str) -> str:
    """Everything the browser runs or applies: the page and its inlined files."""
    return html + "\n" + inlined_files(html)
