"""What the web tests share: Debian's Chromium driven by Playwright (never a downloaded
browser), the accessibility check, screenshots at a phone's size, and a config with ``[web]``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, Playwright, ViewportSize

from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import free_port, make_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE: ViewportSize = {"width": 390, "height": 844}
SHOTS = "LINKEDUP_SCREENSHOTS"
"""A folder to keep the screenshots in (for a closing note); else the test's own folder."""


BROWSER_MISSING = ("Debian's Chromium is not installed (the browser tests need it): "
                   "`apt install chromium libatomic1`, then run the tests again")


def require_chromium() -> None:
    """On a newcomer's machine the browser tests are skipped with the reason and the one command
    that brings them back; in CI (``CI`` set, as ``.ci/run`` runs) a missing browser fails."""
    if os.access(CHROMIUM, os.X_OK):
        return
    if os.environ.get("CI"):
        pytest.fail(BROWSER_MISSING)
    pytest.skip(BROWSER_MISSING)


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


async def phone(browser: Browser) -> BrowserContext:
    return await browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, locale="en-GB")


def web_config(tmp_path: Path, tg: FakeTelegram, **sections: Any) -> Config:
    """The bot with its web pages on a free loopback port."""
    port = free_port()
    return make_config(tmp_path, tg, web={"host": "127.0.0.1", "port": port,
                                          "public_url": f"http://127.0.0.1:{port}"}, **sections)


def site(config: Config) -> str:
    assert config.web is not None
    return config.web.base_url


async def serious_violations(page: Page) -> list[str]:
    """axe-core's findings of serious or critical impact (what must never ship)."""
    results = await Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


async def screenshot(page: Page, name: str, tmp_path: Path) -> Path:
    """A full-page screenshot at phone size; kept in $LINKEDUP_SCREENSHOTS if set
    (Playwright makes the folder)."""
    folder = Path(os.environ.get(SHOTS) or tmp_path)
    path = folder / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, "a blank page screenshots to almost nothing"
    return path
