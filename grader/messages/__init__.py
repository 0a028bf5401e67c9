"""Every message a person reads, in their language: one gettext catalogue.

English is the message id; ``locale/zh/LC_MESSAGES/judge.po`` holds the
Chinese, compiled into ``judge.mo`` beside it (``python -m grader.messages``
adds new ids to the .po and compiles it; a test fails when a message lacks a
translation or the .mo is stale). The language is chosen once per command
(``choose``: --lang, else JUDGE_LANG, else the locale, else English) and set
with ``use``; ``_`` translates, then fills in the named fields.
"""

import gettext
import os
from pathlib import Path

LANGS = ("en", "zh")
DOMAIN = "judge"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_state = {"lang": "en"}
_catalogues = {}


def _catalogue(lang):
    if lang not in _catalogues:
        try:
            _catalogues[lang] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
        except OSError:                       # no catalogue: the English ids themselves
            _catalogues[lang] = gettext.NullTranslations()
    return _catalogues[lang]


def language_of(value):
    """'zh' or 'en' for a --lang value or a locale name (zh_CN.UTF-8 -> zh); None if neither."""
    if not value:
        return None
    base = value.split(".")[0].split("@")[0].replace("-", "_").lower()
    if base in ("c", "posix"):
        return None
    head = base.split("_")[0]
    return head if head in LANGS else None


def choose(explicit=None, environ=None):
    """The reader's language: ``explicit`` (--lang), else JUDGE_LANG, else the
    locale (LC_ALL, LC_MESSAGES, LANG: the first that is set), else English."""
    from grader.settings import variable
    environ = os.environ if environ is None else environ
    for value in (explicit, environ.get(variable("lang"))):
        lang = language_of(value)
        if lang:
            return lang
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return language_of(environ[name]) or "en"
    return "en"


class _Using:
    def __init__(self, previous):
        self.previous = previous

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state["lang"] = self.previous


def use(lang):
    """Speak ``lang`` from now on (or, as a context manager, within the block)."""
    previous = _state["lang"]
    _state["lang"] = lang if lang in LANGS else "en"
    return _Using(previous)


def current():
    return _state["lang"]


def _(message, /, **fields):
    """``message`` in the current language, its ``{fields}`` filled in."""
    text = message if _state["lang"] == "en" else _catalogue(_state["lang"]).gettext(message)
    return text.format(**fields) if fields else text


def gettext_for_click(message):
    """What click's own texts ("Usage:", "Show this message and exit.") read as."""
    return message if _state["lang"] == "en" else _catalogue(_state["lang"]).gettext(message)


def ngettext_for_click(singular, plural, count):
    return gettext_for_click(singular if count == 1 else plural)
