"""The workspace in a real browser (Debian's chromium through Playwright), no network at all.

A person's path through it: make a Red Sea scenario with the form, save and run it,
watch the run page turn to done, run the base from the home page, compare the two, and
download the result tables. Every request that does not go to the local server is
recorded and aborted; no console error is allowed. Screenshots go to
``test-artifacts/`` (gitignored). Skipped with the reason where chromium or playwright
is missing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from optimizer.data.loader import load_network
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 - the shared browser fixture

DATA = Path(__file__).parent / "data"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import uvicorn

    from optimizer.workspace.app import create_workspace
    from optimizer.workspace.jobs import Runner
    from optimizer.workspace.store import Store

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "home"
    store = Store(f"sqlite:///{folder / 'workspace.sqlite'}")
    runner = Runner(store, folder / "results", workers=1, processes=False)
    app = create_workspace(
        store,
        runner,
        folder,
        network=load_network(DATA / "tiny"),
        scenarios_dir=DATA / "scenarios",
    )
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the workspace server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    runner.close()


def _watch(page: Any, base: str) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"errors": [], "external": []}

    def on_route(route: Any) -> None:
        url = route.request.url
        if url.startswith((base, "data:", "about:", "blob:")):
            route.continue_()
        else:
            seen["external"].append(url)
            route.abort()

    page.route("**/*", on_route)
    page.on(
        "console",
        lambda m: (
            seen["errors"].append(f"console {m.type}: {m.text}") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: seen["errors"].append(f"page error: {e}"))
    return seen


def test_scenario_run_compare_and_download_in_a_browser(
    browser: Any,  # noqa: F811 - the fixture imported above
    server: str,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    seen = _watch(page, server)

    # a new scenario from the form, saved and run
    page.goto(server + "/", wait_until="load")
    page.click("text=New scenario")
    page.fill("#name", "red_sea_test")
    page.select_option("#base", "tiny_sea_red_sea.yaml")
    page.fill("#description", "the Red Sea case, from the form")
    page.click("button[value=save_run]")
    page.wait_for_url("**/runs/*")
    page.wait_for_function(
        "document.getElementById('status').textContent.trim() === 'done'", timeout=60_000
    )
    page.wait_for_selector("text=total cost a year", timeout=20_000)
    # the embedded report (map, charts, tables) renders
    page.frame_locator("iframe.map").locator("text=corridor report").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "workspace_run.png"), full_page=True)

    # the base scenario from the home page's Run button
    page.goto(server + "/", wait_until="load")
    page.locator("tr", has_text="tiny_sea_base").locator("button", has_text="Run").click()
    page.wait_for_url("**/runs/*")
    page.wait_for_function(
        "document.getElementById('status').textContent.trim() === 'done'", timeout=60_000
    )
    # the page reloads itself once the run is done: wait for the reloaded page's KPI
    # cards before leaving, or the reload interrupts the next navigation
    page.wait_for_selector("text=total cost a year", timeout=20_000)
    page.wait_for_load_state("load")

    # compare the two
    page.goto(server + "/", wait_until="load")
    boxes = page.locator("input[name=run]")
    assert boxes.count() == 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("text=Compare the runs ticked")
    page.wait_for_selector("text=Which differences are effects", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "workspace_compare.png"), full_page=True)

    # the result tables as Excel
    page.go_back()
    page.click("a[href^='/runs/']")
    with page.expect_download() as info:
        page.click("text=Download the tables (Excel)")
    target = ARTIFACTS / "workspace_tables.xlsx"
    info.value.save_as(str(target))
    assert target.stat().st_size > 1000

    # the Chinese labels
    page.goto(server + "/?lang=zh", wait_until="load")
    assert "工作台" in page.content()

    # the API's interactive docs draw from bundled files
    page.goto(server + "/docs", wait_until="load")
    page.wait_for_selector("#swagger-ui .opblock", timeout=20_000)  # the routes are drawn

    context.close()
    assert seen["external"] == [], seen["external"]
    assert seen["errors"] == [], seen["errors"]
