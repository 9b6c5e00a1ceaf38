"""A negotiation under way, staged over REST, and the main views each role looks at: used by the screenshot,
the Spanish and the accessibility tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.pages import DEMO, WAIT_MS, People, open_view, select_paragraph, type_at_end

ROLES = ["delegate.mex", "head.gtm", "ppt", "secretariat", "observer.iom"]
ZONES = {"en": "America/Toronto", "es": "America/Mexico_City"}


Call = Callable[..., Any]


def caller(server: Any, *people: str) -> Call:
    """`call(who, method, path, body=None)` over REST as each of `people`; fails on an error status."""
    tokens = {who: server.token(DEMO[who]) for who in people}

    def call(who: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method,
            server.url + path,
            json=body,
            headers={"Authorization": f"Bearer {tokens[who]}"},
            timeout=30,
        )
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    return call


def stage(server: Any) -> None:
    """Statuses, a lock, comments and positions, as after a first reading of the Declaration."""
    call = caller(server, "ppt", "head.gtm", "head.can", "head.mex", "delegate.gtm")

    document = next(d for d in call("ppt", "GET", "/api/documents") if d["kind"] == "declaration")
    base = f"/api/documents/{document['id']}"
    paragraphs = {p["label"]: p for p in call("ppt", "GET", base)["paragraphs"] if p["label"]}
    op1, op2, op3 = paragraphs["OP1"], paragraphs["OP2"], paragraphs["OP3"]
    call("ppt", "POST", f"{base}/paragraphs/{paragraphs['PP1']['id']}/status", {"status": "agreed_ad_ref"})
    call("ppt", "POST", f"{base}/paragraphs/{op3['id']}/status", {"status": "bracketed"})
    call("ppt", "POST", f"{base}/paragraphs/{op1['id']}/lock", {"reason": "Agreed at the second reading"})
    thread = call(
        "delegate.gtm",
        "POST",
        f"{base}/comments",
        {
            "paragraph_id": op2["id"],
            "body": "Could the Chair clarify the scope of “high-level dialogue”?",
            "visibility": "participants",
            "span": {"start": op2["text"].index("high-level"), "end": op2["text"].index("high-level") + 19},
        },
    )
    call(
        "head.mex",
        "POST",
        f"{base}/comments/{thread['id']}/replies",
        {"body": "It covers the Vice-Ministers."},
    )
    amended = op2["text"].rstrip(":") + " in a safe, orderly and regular manner:"
    call(
        "head.gtm",
        "POST",
        f"{base}/paragraphs/{op2['id']}/position/versions",
        {
            "revises": 0,
            "stance": "amend",
            "amendment": "replace",
            "text": amended,
            "justification": "Aligns with OP5.",
        },
    )
    call(
        "head.can",
        "POST",
        f"{base}/paragraphs/{op2['id']}/position/versions",
        {"revises": 0, "stance": "support"},
    )
    call(
        "head.mex",
        "POST",
        f"{base}/paragraphs/{op3['id']}/position/versions",
        {"revises": 0, "stance": "reservation"},
    )


def enter(people: People, who: str, language: str, **options: Any) -> Page:
    return people.enter(who, language=language, timezone_id=ZONES[language], **options)


def views(page: Page, who: str, language: str) -> Iterator[str]:
    """Shows each main view of `who` in turn and yields its name once it is on screen."""
    tabs = {
        "en": {"console": "Chair’s console", "matrix": "Consensus matrix", "compilation": "Compilation text"},
        "es": {
            "console": "Consola de la Presidencia",
            "matrix": "Matriz de consenso",
            "compilation": "Texto de compilación",
        },
    }[language]
    draft_tab = {"en": "Draft", "es": "Proyecto de texto"}[language]
    if who == "delegate.mex":
        type_at_end(page, "OP4", " [in particular [regional] cooperation]")
        expect(page.locator(".bracketed").first).to_be_visible()
    select_paragraph(page, "OP2")
    expect(page.locator(".thread").first).to_be_visible(timeout=WAIT_MS)
    yield "draft"
    if who == "ppt":
        open_view(page, tabs["console"])
        expect(page.locator("table.matrix")).to_be_visible(timeout=WAIT_MS)
        yield "console"
    else:
        open_view(page, tabs["matrix"])
        expect(page.locator("table.matrix")).to_be_visible(timeout=WAIT_MS)
        yield "matrix"
    open_view(page, tabs["compilation"])
    expect(page.locator(".compilation")).to_be_visible(timeout=WAIT_MS)
    yield "compilation"
    open_view(page, {"en": "Languages", "es": "Idiomas"}[language])
    expect(page.locator(".bilingual-row").first).to_be_visible(timeout=WAIT_MS)
    yield "languages"
    open_view(page, draft_tab)
    page.get_by_role("link", name={"en": "← All documents", "es": "← Todos los documentos"}[language]).click()
    expect(page.locator(".document-link").first).to_be_visible(timeout=WAIT_MS)
    yield "documents"
    if who == "secretariat":
        yield from administration(page, language)


ADMINISTRATION = {
    "en": ["Administration", "Negotiations", "Delegations", "Users"],
    "es": ["Administración", "Negociaciones", "Delegaciones", "Usuarios"],
}


def administration(page: Page, language: str) -> Iterator[str]:
    """The Secretariat's negotiations, delegations and users, each once it is drawn."""
    entry, *tabs = ADMINISTRATION[language]
    page.locator("#topnav").get_by_role("link", name=entry).click()
    for name, view, drawn in zip(
        tabs,
        ["negotiations", "delegations", "users"],
        [".register-card", ".register-table", ".register-table"],
        strict=True,
    ):
        page.locator("#secretariat-tabs").get_by_role("link", name=name).click()
        expect(page.locator("#secretariat-tabs [aria-current=page]")).to_have_text(name)
        expect(page.locator(f"#secretariat-body {drawn}").first).to_be_visible(timeout=WAIT_MS)
        yield f"secretariat-{view}"


def signin_page(people: People, base_url: str, language: str, **options: Any) -> Page:
    context = people.browser.new_context(
        viewport={"width": 1366, "height": 768}, timezone_id=ZONES[language], **options
    )
    people.contexts.append(context)
    context.add_init_script(f"localStorage.setItem('consenso.language', '{language}')")
    page = context.new_page()
    page.goto(base_url + "/signin")
    expect(page.locator(".demo-user").first).to_be_visible(timeout=WAIT_MS)
    return page


Visit = Callable[[Page, str, str, str], None]


def tour(people: People, server: Any, languages: list[str], visit: Visit, **options: Any) -> int:
    """Calls `visit(page, who, view, language)` on every main view; returns how many were visited.
    `options` go to every browser context (bypass_csp for axe, which is injected as an inline script)."""
    stage(server)
    # Someone else is in the document, their caret in OP2: it shows, named and coloured, on every view.
    companion = people.enter("delegate.gtm", **options)
    select_paragraph(companion, "OP2")
    count = 0
    for language in languages:
        visit(signin_page(people, server.url, language, **options), "anonymous", "signin", language)
        count += 1
        for who in ROLES:
            page = enter(people, who, language, **options)
            try:
                for view in views(page, who, language):
                    visit(page, who, view, language)
                    count += 1
            except AssertionError as failure:
                raise AssertionError(f"{who} ({language}): {failure}\nconsole: {people.console}") from failure
            page.context.close()
            people.contexts.remove(page.context)
    return count
