"""Render an offline map and a report in headless Chromium, with no network at all.

Checks: no console error, no request leaving the page (every non-local request
is recorded and aborted), and, from the screenshot, that the lanes and markers
are drawn (pixels in the mode and marker colours). Screenshots are kept in
``test-artifacts/`` (gitignored).

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the Python
package ``playwright`` (its own browser download is not used); skipped with
the reason when either is missing.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest

from optimizer.output import mapping, report
from tests.test_mapping import results  # noqa: F401 - the shared session fixture

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")

#: In-page pixel counter: decodes a PNG and counts pixels near each target colour.
_COUNT_JS = """
async ([b64, targets, tolerance]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], {type: 'image/png'}));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const out = {};
  for (const [name, colours] of Object.entries(targets)) {
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      for (const c of colours) {
        const dr = data[i] - c[0], dg = data[i + 1] - c[1], db = data[i + 2] - c[2];
        if (dr * dr + dg * dg + db * db <= tolerance * tolerance) { n++; break; }
      }
    }
    out[name] = n;
  }
  return out;
}
"""


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _over(colour: str, opacity: float, background: str) -> list[int]:
    fg, bg = _rgb(colour), _rgb(background)
    return [round(opacity * f + (1 - opacity) * b) for f, b in zip(fg, bg, strict=True)]


def _targets(colour: str, opacity: float) -> list[list[int]]:
    """A colour as drawn: pure, and blended over land and over sea."""
    return [
        list(_rgb(colour)),
        _over(colour, opacity, "#f4f1ea"),
        _over(colour, opacity, "#d7e7f2"),
    ]


@pytest.fixture(scope="module")
def browser() -> Any:
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright Python package is not installed"
    )
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def result_dir(request: pytest.FixtureRequest) -> Path:
    """The tiny base result (solved once per session, shared with test_mapping)."""
    return request.getfixturevalue("results")["base"]


def _open_offline(browser: Any, path: Path, *, width: int, height: int) -> tuple[Any, dict]:
    page = browser.new_page(viewport={"width": width, "height": height})
    seen: dict[str, list[str]] = {"errors": [], "external": []}

    def on_route(route: Any) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            seen["external"].append(url)
            route.abort()

    page.route("**/*", on_route)
    page.on("requestfailed", lambda r: seen["errors"].append(f"request failed: {r.url}"))
    page.on(
        "console",
        lambda m: (
            seen["errors"].append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: seen["errors"].append(f"page error: {e}"))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, seen


def test_offline_solution_map_renders_without_network(browser: Any, result_dir: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = mapping.write_solution_map(result_dir, offline=True, out=ARTIFACTS / "tiny_map.html")
    page, seen = _open_offline(browser, path, width=1100, height=700)
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=30000)
    page.wait_for_timeout(250)
    assert page.evaluate("typeof L") == "object" and page.evaluate("L.version") == "1.9.3"
    n_paths = page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length")
    shot = page.screenshot(path=str(ARTIFACTS / "tiny_map.png"))
    colours = {
        "cr_express": _targets(mapping.MODE_COLORS["cr_express"], 0.85),
        "air": _targets(mapping.MODE_COLORS["air"], 0.85),
        "last_mile": _targets(mapping.MODE_COLORS["last_mile"], 0.85),
        "open_warehouse": _targets("#2e7d32", 0.85),
        "market": _targets("#ad1457", 0.75),
        "land": [[0xF4, 0xF1, 0xEA]],
    }
    counts = page.evaluate(_COUNT_JS, [base64.b64encode(shot).decode(), colours, 18])
    page.close()

    assert seen["external"] == [], "the offline map made network requests"
    assert seen["errors"] == []
    # Country outlines (177 + copies) + 10 lanes + markers are SVG paths.
    assert n_paths > 190
    assert counts["land"] > 50_000, counts  # the offline base map is drawn
    assert counts["cr_express"] > 1500, counts  # widest lane, Chengdu to Duisburg
    assert counts["air"] > 150, counts
    assert counts["last_mile"] > 50, counts
    assert counts["open_warehouse"] > 100, counts
    assert counts["market"] > 100, counts


def test_report_renders_without_network(browser: Any, result_dir: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = report.write_report(result_dir, out=ARTIFACTS / "tiny_report.html")
    page, seen = _open_offline(browser, path, width=1100, height=1000)
    frame = page.frame_locator("iframe.map")
    frame.locator(".leaflet-overlay-pane path").first.wait_for(state="attached", timeout=30000)
    page.wait_for_timeout(250)
    bars = page.evaluate("document.querySelectorAll('svg.chart rect').length")
    rows = page.evaluate("document.querySelectorAll('table.t tbody tr').length")
    page.screenshot(path=str(ARTIFACTS / "tiny_report.png"), full_page=True)
    page.close()

    assert seen["external"] == []
    assert seen["errors"] == []
    assert bars >= 6  # cost parts + mode segments
    assert rows >= 4 + 2 + 3  # modes, warehouses, corridors


def _programme(tmp: Path) -> Path:
    tiny = ROOT / "tests" / "data" / "tiny_v2"
    (tmp / "base.yaml").write_text(f"name: tiny_v2\nbase: {tiny}\noptions:\n  rel_gap: 0\n")
    (tmp / "programme.yaml").write_text(
        "name: tiny_programme\nbase: base.yaml\nbase_year: 2025\nyears: [2025, 2027]\n"
        "growth: [{rate: 0.2}]\nrounds: [{year: 2025, max_new: 1}, {year: 2026}, {year: 2027}]\n"
        "options: {rel_gap: 0}\n"
    )
    return tmp / "programme.yaml"


def test_plan_map_shows_one_year_at_a_time(browser: Any, tmp_path: Path) -> None:
    from optimizer.output.plan import write_plan_tables
    from optimizer.results.folders import OutputFolder
    from optimizer.studies.plan import run_plan

    result = run_plan(_programme(tmp_path))
    with OutputFolder(tmp_path / "plan", kind="plan") as folder:
        files = write_plan_tables(result.doc, folder, network=result.network, offline=True)
    page, seen = _open_offline(browser, files["map"], width=1100, height=700)
    page.wait_for_selector(".leaflet-control-layers-overlays input", state="attached")
    boxes = page.locator(".leaflet-control-layers-overlays label")

    def ticked() -> dict[str, bool]:
        return {
            boxes.nth(i).inner_text().strip(): boxes.nth(i).locator("input").is_checked()
            for i in range(boxes.count())
        }

    assert {k: v for k, v in ticked().items() if k.isdigit()} == {
        "2025": True,
        "2026": False,
        "2027": False,
    }
    markers_2025 = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    boxes.filter(has_text="2027").locator("input").click()
    page.wait_for_timeout(300)
    assert {k: v for k, v in ticked().items() if k.isdigit()} == {
        "2025": False,
        "2026": False,
        "2027": True,
    }
    markers_2027 = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    assert markers_2027 >= markers_2025  # 2027 has every site of 2025 open, and maybe more
    page.close()
    page, seen_html = _open_offline(browser, files["html"], width=1100, height=1000)
    assert page.evaluate("document.querySelectorAll('svg').length") >= 2
    page.close()
    assert seen["external"] == [] and seen_html["external"] == []
    assert seen["errors"] == [] and seen_html["errors"] == []
