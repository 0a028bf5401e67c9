"""Text from a submission, made safe to show: control characters escaped.

What a run prints, the messages of its exceptions, the lines of its source
quoted in feedback and the names of students' files all reach a terminal, a
spreadsheet or a web page. Escape sequences there could repaint a report
(an AC drawn over a WA), and bidirectional overrides could reorder it; so
every such text goes through ``inert`` before it is shown, and a control
character appears as its escape (``\\x1b``, ``\\u202e``). Newlines and tabs
stay where a text may have several lines (printed output); a file name that
is not UTF-8 shows its raw bytes as ``\\xff``.
"""

import re

# C0 controls but tab and newline, DEL, C1 controls, zero-width and
# bidirectional formatting characters, the byte-order mark, and the lone
# surrogates that stand for undecodable bytes (os.fsdecode's surrogateescape).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e"
                     "\u2060-\u2069\ufeff\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e"
                          "\u2060-\u2069\ufeff\ud800-\udfff]")


def _escape(match):
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:                 # an undecodable byte of a file name
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def inert(text, lines=False):
    """``text`` with every control character escaped; with ``lines``, newlines
    and tabs are kept (printed output), else the result is one line."""
    if not text:
        return "" if text is None else text
    return (_UNSAFE if lines else _UNSAFE_LINE).sub(_escape, str(text))
