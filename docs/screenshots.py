"""Regenerate the README's screenshots: `python docs/screenshots.py` (needs Chromium and Playwright).

Starts the app on a free local port, opens each page in headless Chromium at a fixed window size,
waits for the script to finish and saves a small PNG per page under docs/.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.harness import AppServer, launch_browser, wait_for_app  # noqa: E402
from ui.site import PAGES  # noqa: E402

# page url path, query, file name: the default network, as a student first sees it; every page of
# the registry (the README shows the first five)
SHOTS = [(p.url_path, "", (p.url_path or "overview").replace("-", "_")) for p in PAGES]


def main() -> None:
    with AppServer(ROOT / "artifacts" / "logs" / "screenshots.log") as server, sync_playwright() as p:
        browser = launch_browser(p)
        context = browser.new_context(viewport={"width": 1280, "height": 1600}, device_scale_factor=0.6)
        tab = context.new_page()
        for path, query, name in SHOTS:
            tab.goto(f"{server.url}/{path}{'?' + query if query else ''}")
            wait_for_app(tab)
            charts = tab.locator(
                '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
            )
            if charts.count():
                charts.first.wait_for(state="visible", timeout=20_000)
            out = ROOT / "docs" / f"{name}.png"
            tab.screenshot(path=str(out))
            print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size // 1024} kB)")
        browser.close()


if __name__ == "__main__":
    main()
