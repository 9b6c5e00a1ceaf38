"""The browser client's own measures (Playwright driving Debian's chromium, not a timed test):

- the gzipped size of what a browser downloads (static/dist bundles and the style sheet);
- the time from navigation to an editable draft of 50 and 200 paragraphs: the page has synced with the
  server and the first paragraph is a CodeMirror editor taking input. Cold: a new browser profile (no
  copy of the draft in IndexedDB); warm: a reload of the same profile.
"""

from __future__ import annotations

import gzip
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import ROOT, Fixture, draft_text

STATIC = ROOT / "static"
CHROMIUM = Path("/usr/bin/chromium")
EDITABLE = """() => document.body.dataset.synced === 'true' &&
  document.querySelector('.paragraph .cm-content[contenteditable=true]') !== null"""


@dataclass
class BrowserResult:
    bundle_gzip: dict[str, int] = field(default_factory=dict)
    cold_ms: dict[int, list[float]] = field(default_factory=dict)
    warm_ms: dict[int, list[float]] = field(default_factory=dict)
    editors_created: dict[int, int] = field(default_factory=dict)


def bundle_sizes() -> dict[str, int]:
    files = [STATIC / "dist" / "app.js", STATIC / "dist" / "signin.js", STATIC / "style.css"]
    return {path.relative_to(STATIC).as_posix(): len(gzip.compress(path.read_bytes(), 9)) for path in files}


def run(fixture: Fixture, sizes: tuple[int, ...] = (50, 200), repeats: int = 5) -> BrowserResult:
    from playwright.sync_api import sync_playwright

    result = BrowserResult(bundle_gzip=bundle_sizes())
    documents = {}
    for size in sizes:
        source = fixture.root / f"draft-{size}.txt"
        source.write_text(draft_text(size), encoding="utf-8")
        documents[size] = fixture.create_document(f"Browser benchmark, {size} paragraphs", source)
    server = fixture.start("browser", {"CONSENSO_DEMO": "1"})
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            for size, document_id in documents.items():
                result.cold_ms[size], result.warm_ms[size] = [], []
                for _ in range(repeats):
                    context = browser.new_context(viewport={"width": 1366, "height": 768})
                    users = context.request.get(f"{base}/api/demo/users").json()
                    user = next(u for u in users if u["email"] == "delegate.mex@demo.consenso")
                    signed = context.request.post(
                        f"{base}/api/demo/signin", data={"user_id": user["id"]}, headers={"Origin": base}
                    )
                    assert signed.ok, f"demo sign-in answered {signed.status}"
                    page = context.new_page()
                    page.goto(f"{base}/#/documents/{document_id}")
                    page.wait_for_function(EDITABLE, timeout=60_000)
                    result.cold_ms[size].append(page.evaluate("performance.now()"))
                    result.editors_created[size] = page.locator(".cm-editor").count()
                    page.reload()
                    page.wait_for_function(EDITABLE, timeout=60_000)
                    result.warm_ms[size].append(page.evaluate("performance.now()"))
                    context.close()
            browser.close()
    finally:
        server.stop()
    return result


def markdown(result: BrowserResult) -> str:
    lines = ["| file | gzipped |", "|---|---|"]
    lines += [f"| `static/{name}` | {size / 1024:.1f} KiB |" for name, size in result.bundle_gzip.items()]
    lines += ["", "| draft | to editable, cold (median) | warm reload (median) | runs | editors created |"]
    lines += ["|---|---|---|---|---|"]
    for size in result.cold_ms:
        cold, warm = statistics.median(result.cold_ms[size]), statistics.median(result.warm_ms[size])
        lines.append(
            f"| {size} paragraphs | {cold:.0f} ms | {warm:.0f} ms | {len(result.cold_ms[size])} "
            f"| {result.editors_created[size]} of {size} |"
        )
    return "\n".join(lines)
