"""The search page finds "Hessian" and a result leads to a chapter."""

from __future__ import annotations

from bookbrowser import is_notebook_page

QUERY = "Hessian"


def test_search_finds_hessian_and_lands_on_a_chapter(new_page, base_url):
    page, guard = new_page()
    page.goto(f"{base_url}search.html?q={QUERY}", wait_until="load")
    page.wait_for_selector("#search-results ul.search li a")
    results = page.eval_on_selector_all(
        "#search-results ul.search li a", "as => as.map(a => a.href)"
    )
    chapters = [
        url
        for url in results
        if url.startswith(base_url)
        and is_notebook_page(
            url[len(base_url) :].split("?")[0].split("#")[0].removesuffix(".html")
        )
    ]
    assert chapters, f"no chapter among the results for {QUERY!r}: {results}"

    page.locator("#search-results ul.search li a").nth(
        results.index(chapters[0])
    ).click()
    page.wait_for_load_state("load")
    assert (
        page.url.split("?")[0].split("#")[0] == chapters[0].split("?")[0].split("#")[0]
    )
    assert page.locator("article.bd-article h1").count() >= 1
    assert QUERY.lower() in page.locator("article.bd-article").inner_text().lower()
    assert not guard.blocked, guard.blocked
    assert not guard.console_errors, guard.console_errors
