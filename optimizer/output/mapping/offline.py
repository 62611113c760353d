"""Self-contained maps: inline folium's JavaScript and CSS from Python packages.

folium links about ten JavaScript and CSS files on public CDNs; with no
internet (government intranets, or CDNs unreachable from mainland China) such
a page stays blank. :func:`make_offline` replaces those links, on one map and
without touching folium's class-level lists, with inline copies taken from
packages installed with corridor:

* Leaflet 1.9.3 (the version folium 0.20 links) from ``xstatic-leaflet``,
  with its control images embedded as ``data:`` URIs;
* jQuery 3.7.1 from ``xstatic-jquery`` (folium's popups call ``$``);
* a small ``L.Map.sync`` written here, standing in for Leaflet.Sync in
  side-by-side maps.

The other links are dropped, because corridor's maps do not use them:
Bootstrap 5 and Glyphicons (no Bootstrap widget is drawn; the boxes are styled
by :data:`BASE_CSS`), Font Awesome and Leaflet.awesome-markers (markers are
circles, not icon markers). An unknown link raises
:class:`OfflineAssetError` rather than being left in the file, and
:func:`external_references` finds any URL a saved page would still fetch.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from branca.element import Element, Figure

from optimizer.errors import CorridorError

__all__ = [
    "BASE_CSS",
    "DROPPED_ASSETS",
    "SYNC_JS",
    "OfflineAssetError",
    "external_references",
    "inline_assets_html",
    "make_offline",
]


class OfflineAssetError(CorridorError, RuntimeError):
    """A map needs a JavaScript or CSS file that corridor cannot inline."""


#: folium asset names dropped from offline maps (see the module docstring).
DROPPED_ASSETS = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)

#: ``L.Map.prototype.sync(other)``: move ``other`` whenever this map moves.
#: Written here for the side-by-side comparison map (same call as Leaflet.Sync).
SYNC_JS = """
L.Map.include({
  sync: function (other) {
    var self = this;
    self._corridorSynced = self._corridorSynced || [];
    self._corridorSynced.push(other);
    self.on('move zoomend', function () {
      if (self._corridorSyncing) { return; }
      other._corridorSyncing = true;
      other.setView(self.getCenter(), self.getZoom(), {animate: false, reset: false});
      other._corridorSyncing = false;
    });
    return self;
  }
});
"""

#: Page-wide CSS of corridor's maps: fonts, the KPI / legend boxes, popup tables.
BASE_CSS = """
html, body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC",
  "Microsoft YaHei", sans-serif; }
.corridor-box { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 12px; line-height: 1.35; color: #222;
  max-width: 330px; }
.corridor-box h4 { margin: 0 0 4px 0; font-size: 13px; }
.corridor-box table { border-collapse: collapse; }
.corridor-box td { padding: 0 6px 0 0; vertical-align: top; }
.corridor-box .num { text-align: right; font-variant-numeric: tabular-nums; }
.corridor-swatch { display: inline-block; width: 22px; height: 0; vertical-align: middle;
  margin-right: 5px; border-top-style: solid; }
.corridor-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  vertical-align: middle; margin: 0 6px 0 6px; border: 2px solid #333; box-sizing: border-box; }
.corridor-popup { font-size: 12px; line-height: 1.35; }
.corridor-popup table { border-collapse: collapse; margin-top: 3px; }
.corridor-popup td { padding: 0 8px 0 0; vertical-align: top; }
.corridor-popup .num { text-align: right; font-variant-numeric: tabular-nums; }
.corridor-popup .warn { color: #b00020; font-weight: 600; }
"""

_OFFLINE_CSS = """
.leaflet-container { background: #d7e7f2; }
"""

_LEAFLET_PREFIX_LINK = (
    '\'<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">\''
)
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_IMAGE = re.compile(r"url\(\s*['\"]?images/([A-Za-z0-9_.-]+\.png)['\"]?\s*\)")


def _package_dir(module: str) -> Path:
    try:
        mod: Any = import_module(module)
    except ModuleNotFoundError as exc:  # pragma: no cover - a dependency of corridor
        dist = module.replace("xstatic.pkg.", "xstatic-")
        msg = f"offline maps need the Python package {dist} (pip install {dist})"
        raise OfflineAssetError(msg) from exc
    return Path(mod.BASE_DIR)


@functools.cache
def leaflet_js() -> str:
    """Leaflet 1.9.3 JavaScript from ``xstatic-leaflet``.

    Raises
    ------
    OfflineAssetError
        When xstatic-leaflet is not installed.
    """
    text = (_package_dir("xstatic.pkg.leaflet") / "leaflet.js").read_text(encoding="utf-8")
    # The attribution prefix links leafletjs.com; offline it is plain text. The
    # licence banner keeps its text, the site named without a scheme.
    text = text.replace("maps. https://leafletjs.com", "maps. leafletjs.com", 1)
    text = text.replace(_LEAFLET_PREFIX_LINK, "'<span>'", 1).replace(
        '"Leaflet</a>"', '"Leaflet</span>"', 1
    )
    return _SOURCE_MAP.sub("", text)


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images (layer icon, marker) embedded as ``data:`` URIs.

    Raises
    ------
    OfflineAssetError
        When xstatic-leaflet is not installed.
    """
    base = _package_dir("xstatic.pkg.leaflet")
    text = (base / "leaflet.css").read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)  # comments cite bug-tracker URLs

    def embed(match: re.Match[str]) -> str:
        data = (base / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return _CSS_IMAGE.sub(embed, text)


@functools.cache
def jquery_js() -> str:
    """jQuery 3.7.1 (minified) from ``xstatic-jquery``.

    Raises
    ------
    OfflineAssetError
        When xstatic-jquery is not installed.
    """
    text = (_package_dir("xstatic.pkg.jquery") / "jquery.min.js").read_text(encoding="utf-8")
    return _SOURCE_MAP.sub("", text)


def _script(code: str) -> str:
    # "</script" inside inline code would end the element early.
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE) + "</script>"


def _style(css: str) -> str:
    return "<style>" + css.replace("</style", "<\\/style") + "</style>"


_INLINE_JS: dict[str, Callable[[], str]] = {
    "leaflet": leaflet_js,
    "jquery": jquery_js,
    "Leaflet.Sync": lambda: SYNC_JS,
}
_INLINE_CSS: dict[str, Callable[[], str]] = {"leaflet_css": leaflet_css}


def inline_assets_html(js: list[str], css: list[str]) -> str:
    """The ``<style>`` and ``<script>`` elements for the named folium assets.

    Parameters
    ----------
    js, css
        Asset names as folium lists them (``leaflet``, ``jquery``, ``leaflet_css``,
        ``Leaflet.Sync``), in load order.

    Returns
    -------
    str
        HTML for the page header.

    Raises
    ------
    OfflineAssetError
        When a name has no packaged copy.
    """
    parts = [_style(_INLINE_CSS[name]()) for name in css]
    parts.append(_style(_OFFLINE_CSS))
    parts += [_script(_INLINE_JS[name]()) for name in js]
    return "\n".join(parts)


class _OfflineAssets(Element):
    """The header element that holds the inlined files, and the names it holds."""

    def __init__(self, js: list[str], css: list[str]) -> None:
        super().__init__(inline_assets_html(js, css))
        self.js, self.css = js, css


def _walk(element: Element) -> list[Element]:
    out = [element]
    for child in list(element._children.values()):
        out += _walk(child)
    return out


def make_offline(element: Element) -> None:
    """Replace the CDN links of a map (and its plugins) by inline copies.

    The map's own element instances get empty ``default_js`` / ``default_css``
    lists (folium's class-level lists are left alone), and one header element
    holds the inlined files. Call it after every plugin has been added; a map
    already made offline is left as it is. Elements added later that link
    their own files will show up in :func:`external_references`.

    Parameters
    ----------
    element
        A :class:`folium.Map`, a :class:`folium.plugins.DualMap` or their figure.

    Raises
    ------
    OfflineAssetError
        When an element links a file corridor has no packaged copy of.
    """
    figure = element.get_root()
    if not isinstance(figure, Figure):  # pragma: no cover - folium always gives maps a Figure
        msg = "make_offline needs a map inside a branca Figure"
        raise OfflineAssetError(msg)
    js: list[str] = []
    css: list[str] = []
    for el in _walk(figure):
        for attr, inline, found in (
            ("default_js", _INLINE_JS, js),
            ("default_css", _INLINE_CSS, css),
        ):
            links = getattr(el, attr, None)
            if not links:
                continue
            for name, url in links:
                if name in inline:
                    if name not in found:
                        found.append(name)
                elif name not in DROPPED_ASSETS:
                    msg = (
                        f"{type(el).__name__} links {name} ({url}), which corridor cannot "
                        "inline for an offline map"
                    )
                    raise OfflineAssetError(msg)
            setattr(el, attr, [])
    header = figure.header
    existing = header._children.get("corridor_offline_assets")
    if isinstance(existing, _OfflineAssets):
        prior_js, prior_css = existing.js, existing.css
        js = [*prior_js, *(n for n in js if n not in prior_js)]
        css = [*prior_css, *(n for n in css if n not in prior_css)]
    # Leaflet must load before the sync helper that extends it.
    order = {"jquery": 0, "leaflet": 1, "Leaflet.Sync": 2}
    js.sort(key=lambda n: order.get(n, 9))
    header.add_child(_OfflineAssets(js, css), name="corridor_offline_assets")


_EXTERNAL = re.compile(
    r"""(?:\bsrc|\bhref)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)"""
    r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)"""
    r"""|@import\s+["']((?:https?:)?//[^"']+)""",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """URLs a page would fetch: ``src=`` / ``href=`` on any element, CSS ``url()``, ``@import``.

    Links a reader may click (``<a href>``) count too, so an offline page must
    have none.

    Parameters
    ----------
    html
        The page.

    Returns
    -------
    list[str]
        The URLs found, in order.
    """
    return [next(g for g in m.groups() if g) for m in _EXTERNAL.finditer(html)]
