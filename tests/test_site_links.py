"""The built site's link check (``docs/_ext/check_site.py``, run by ``.ci/run`` after the
sphinx build) and the fix of viewcode's back-links (``docs/_ext/viewcode_backlinks.py``), on a
tiny fake site: neither needs Sphinx installed."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import check_site  # noqa: E402
import viewcode_backlinks  # noqa: E402


def _page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"


@pytest.fixture
def site(tmp_path):
    """index.html links to what exists and what does not; api/ holds a page with ids."""
    (tmp_path / "api").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "plot.png").write_bytes(b"\x89PNG")
    (tmp_path / "_static" / "style.css").write_text("body {}")
    # A theme's Jinja template copied into _static: not a page, not checked.
    (tmp_path / "_static" / "macros.html").write_text('<a href="{{ pathto(x) }}">x</a>')
    (tmp_path / "api" / "index.html").write_text(_page('<a href="../index.html#top">up</a>'))
    (tmp_path / "api" / "thing.html").write_text(
        _page(
            '<dl><dt id="svpkit.nn.Thing">Thing</dt><dt id="svpkit.nn.Thing.fit">fit</dt></dl>'
            '<a name="old-anchor"></a><a href="#svpkit.nn.Thing">self</a>'
        )
    )
    links = [
        '<link rel="stylesheet" href="_static/style.css?digest=abc">',
        '<a id="top" href="api/thing.html#svpkit.nn.Thing">good anchor</a>',
        '<a href="api/thing.html#svpkit.nn.Thing.fit">good method anchor</a>',
        '<a href="api/thing.html#old-anchor">a name= anchor</a>',
        '<a href="api/">a folder with index.html</a>',
        '<img src="_images/plot.png" alt="">',
        '<a href="https://example.org/missing.html#nowhere">external: not fetched</a>',
        '<a href="mailto:someone@example.org">mail</a>',
        '<a href="#top">this page</a>',
        '<a href="#">top of the page</a>',
        # broken:
        '<a href="api/thing.html#svpkit.Thing">re-export anchor</a>',
        '<a href="api/gone.html">missing page</a>',
        '<img src="_images/missing.png" alt="">',
        '<a href="#nowhere">missing anchor here</a>',
        '<a href="../outside.html">outside the site</a>',
    ]
    (tmp_path / "index.html").write_text(_page("\n".join(links)))
    return tmp_path


def test_check_site_finds_exactly_the_broken_links(site):
    broken = {(page, link) for page, link, _ in check_site.broken_links(site)}
    assert broken == {
        ("index.html", "api/thing.html#svpkit.Thing"),
        ("index.html", "api/gone.html"),
        ("index.html", "_images/missing.png"),
        ("index.html", "#nowhere"),
        ("index.html", "../outside.html"),
    }


def test_check_site_says_why(site):
    reasons = {link: reason for _, link, reason in check_site.broken_links(site)}
    assert reasons["api/thing.html#svpkit.Thing"] == "no id 'svpkit.Thing' in api/thing.html"
    assert reasons["api/gone.html"] == "no such file"
    assert reasons["../outside.html"] == "points outside the site"


def test_check_site_exit_status(site, capsys):
    assert check_site.main([str(site)]) == 1
    out = capsys.readouterr().out
    assert "index.html: api/gone.html (no such file)" in out
    assert "check_site: 5 broken link(s) in 3 pages" in out
    # Fixed, the same site passes.
    index = site / "index.html"
    text = index.read_text()
    for bad in [
        'api/thing.html#svpkit.Thing"',
        "api/gone.html",
        "_images/missing.png",
        "#nowhere",
        "../outside.html",
    ]:
        text = text.replace(bad, 'api/thing.html"' if bad.endswith('"') else "api/thing.html")
    index.write_text(text)
    assert check_site.main([str(site)]) == 0
    assert "check_site: 0 broken link(s)" in capsys.readouterr().out


def test_check_site_refuses_a_folder_that_is_not_a_built_site(tmp_path, capsys):
    assert check_site.main([str(tmp_path)]) == 2
    assert "build the site first" in capsys.readouterr().err


def test_ci_runs_the_link_check_right_after_the_sphinx_build():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    build = next(i for i, line in enumerate(lines) if "-m sphinx" in line)
    assert lines[build + 1] == "python docs/_ext/check_site.py docs/_build/html"
    assert "set -euo pipefail" in lines  # a non-zero exit fails CI


# --- viewcode's [docs] links --------------------------------------------------------------

#: What sphinx.ext.viewcode writes for two objects of svpkit/nn/net.py when the first object
#: it met was documented as ``svpkit.make_proxy``: every back-link gets the prefix ``svpkit.``.
VIEWCODE_BODY = """<div class="highlight"><pre>
<div class="viewcode-block" id="ProxyNet">
<a class="viewcode-back" href="@/svpkit.nn.ProxyNet.html#svpkit.ProxyNet">[docs]</a>
<span>class ProxyNet:</span>
<div class="viewcode-block" id="ProxyNet.fit">
<a class="viewcode-back" href="@/svpkit.nn.ProxyNet.html#svpkit.ProxyNet.fit">[docs]</a>
<span>def fit(self):</span></div></div>
<div class="viewcode-block" id="make_proxy">
<a class="viewcode-back" href="@/svpkit.make_proxy.html#svpkit.make_proxy">[docs]</a>
<span>def make_proxy():</span></div>
<div class="viewcode-block" id="Unknown">
<a class="viewcode-back" href="@/svpkit.Unknown.html#svpkit.Unknown">[docs]</a>
</div></pre></div>""".replace("@/", "../../../generated/")


def _app(objects: dict[str, str]):
    entries = {
        name: SimpleNamespace(docname=docname, node_id=name, objtype="class", aliased=False)
        for name, docname in objects.items()
    }
    domain = SimpleNamespace(objects=entries)
    env = SimpleNamespace(get_domain=lambda name: domain)
    return SimpleNamespace(env=env, builder=SimpleNamespace(out_suffix=".html"))


def test_viewcode_backlinks_point_at_the_documented_ids():
    app = _app(
        {
            "svpkit.nn.ProxyNet": "generated/svpkit.nn.ProxyNet",
            "svpkit.nn.ProxyNet.fit": "generated/svpkit.nn.ProxyNet",
            "svpkit.make_proxy": "generated/svpkit.make_proxy",
        }
    )
    context = {"body": VIEWCODE_BODY}
    viewcode_backlinks._fix_backlinks(app, "_modules/svpkit/nn/net", "page.html", context, None)
    body = context["body"]
    assert 'svpkit.nn.ProxyNet.html#svpkit.nn.ProxyNet"' in body
    assert 'svpkit.nn.ProxyNet.html#svpkit.nn.ProxyNet.fit"' in body
    assert 'svpkit.make_proxy.html#svpkit.make_proxy"' in body
    assert 'svpkit.Unknown.html#svpkit.Unknown"' in body  # not documented: left as it was
    assert body.count("[docs]") == 4


def test_viewcode_backlinks_leave_other_pages_alone():
    context = {"body": VIEWCODE_BODY}
    viewcode_backlinks._fix_backlinks(_app({}), "api", "page.html", context, None)
    assert context["body"] == VIEWCODE_BODY
