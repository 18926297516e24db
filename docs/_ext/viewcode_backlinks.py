"""Point the ``[docs]`` links of the highlighted source pages at the documented objects.

``sphinx.ext.viewcode`` links every object of a source module back to its documentation as
``<page>#<prefix>.<qualname>``, with one ``<prefix>`` per source module: the package of the
first object of that module it met. svpkit documents the objects of one module under several
public packages (``svpkit.make_proxy`` and ``svpkit.nn.ProxyNet`` both live in
``svpkit/nn/net.py``), so every other object's link named an anchor that does not exist
(``#svpkit.ProxyNet`` on the page of ``svpkit.nn.ProxyNet``). Here each link's anchor is
replaced, when its ``_modules/`` page is written, by the id under which the Python domain
recorded that object on the linked page. ``docs/_ext/check_site.py`` checks the result.
"""

from __future__ import annotations

import posixpath
import re

#: viewcode's markup for one object's block and its back-link (sphinx/ext/viewcode.py).
BACKLINK = re.compile(
    r'(<div class="viewcode-block" id="(?P<name>[^"]+)">\s*'
    r'<a class="viewcode-back" href="(?P<page>[^"#]*)#)(?P<anchor>[^"]*)(?=")'
)


def _documented_ids(app) -> dict[tuple[str, str], list[str]]:
    """``{(docname, qualname suffix): [ids]}`` of every Python object the site documents."""
    out: dict[tuple[str, str], list[str]] = {}
    for fullname, entry in app.env.get_domain("py").objects.items():
        if entry.aliased:
            continue
        parts = fullname.split(".")
        for i in range(1, len(parts)):
            out.setdefault((entry.docname, ".".join(parts[i:])), []).append(entry.node_id)
    return out


def _fix_backlinks(app, pagename, templatename, context, doctree) -> None:
    if not pagename.startswith("_modules/") or "body" not in context:
        return
    ids = _documented_ids(app)
    here = posixpath.dirname(pagename)

    def anchor(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(here, match["page"]))
        docname = target.removesuffix(app.builder.out_suffix)
        found = ids.get((docname, match["name"]), [])
        # One documented object with that qualified name on that page: its id. Otherwise leave
        # viewcode's anchor (the site check reports it if it is broken).
        return match[1] + (found[0] if len(found) == 1 else match["anchor"])

    context["body"] = BACKLINK.sub(anchor, context["body"])


def setup(app):
    app.connect("html-page-context", _fix_backlinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
