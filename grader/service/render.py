"""Statements from Markdown to safe HTML: raw HTML in the text is shown as text,
links may only be http(s), mail or relative. Formulas in the statements are
code blocks and stay so."""

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown(text):
    return _MD.render(text or "")
