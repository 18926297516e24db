"""Check the links of the built site: ``python docs/_ext/check_site.py docs/_build/html``.

Every relative ``href`` (``<a>``, ``<link>``) and ``src`` (``<img>``, ``<script>``) of every
HTML page must name a file of the site, and every ``#fragment`` of an internal link must be an
``id`` (or an ``<a name>``) of the page it points to. External links (``https:``, ``mailto:``,
...) are not fetched: the build machines reach no network. Exits 1 and lists each broken link
when any is found, so CI fails on it (``.ci/run`` runs it right after the sphinx build).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: (tag, attribute) pairs whose value is a link to check.
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")}


#: Folders of the site that hold no pages: the theme copies its Jinja templates (``.html``
#: files, never served as pages) into ``_static/``.
SKIPPED = ("_static/",)


class _Page(HTMLParser):
    """The ids and the links of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            if (tag, name) in LINK_ATTRIBUTES:
                self.links.append(value)

    handle_startendtag = handle_starttag


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    page.close()
    return page


def html_pages(site: Path) -> list[Path]:
    """The HTML pages of the site at ``site``, sorted."""
    return [
        p
        for p in sorted(site.rglob("*.html"))
        if not p.relative_to(site).as_posix().startswith(SKIPPED)
    ]


def broken_links(site: Path) -> Iterator[tuple[str, str, str]]:
    """``(page, link, reason)`` for every broken internal link of the site at ``site``."""
    site = site.resolve()
    pages: dict[Path, _Page] = {}

    def page_of(path: Path) -> _Page:
        if path not in pages:
            pages[path] = _parse(path)
        return pages[path]

    for html in html_pages(site):
        source = html.relative_to(site).as_posix()
        for link in page_of(html).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("//"):
                continue  # external (https:, mailto:, data:, javascript:, ...): not fetched
            target = html if not parts.path else (html.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(site):
                yield source, link, "points outside the site"
                continue
            if not target.is_file():
                yield source, link, "no such file"
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in page_of(target).ids:
                yield source, link, f"no id {fragment!r} in {target.relative_to(site).as_posix()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the built HTML folder (docs/_build/html)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"check_site: no index.html in {args.site}: build the site first", file=sys.stderr)
        return 2
    broken = list(broken_links(args.site))
    for source, link, reason in broken:
        print(f"{source}: {link} ({reason})")
    n_pages = len(html_pages(args.site.resolve()))
    print(f"check_site: {len(broken)} broken link(s) in {n_pages} pages of {args.site}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
