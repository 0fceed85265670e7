"""MkDocs hooks (mkdocs.yml ``hooks:``): the reference pages' markers filled in from the
code at build time, by :mod:`hymio.reference`, so the site cannot drift from it."""

from __future__ import annotations

from hymio import reference

PAGES = {
    "reference/commands.md": reference.render_commands,
    "reference/settings.md": reference.render_settings,
}


def on_page_markdown(markdown: str, page, config, files) -> str:
    """The page's Markdown, with the reference filled in where it is one of PAGES."""
    render = PAGES.get(page.file.src_uri)
    return render(markdown) if render else markdown
