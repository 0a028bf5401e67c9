"""The catalogue's tools: find every message in the source, read and write the
.po file, compile the .mo (GNU's format, as the stdlib ``gettext`` reads it)."""

import ast
import struct
from pathlib import Path

from grader.messages import DOMAIN, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent.parent
CALLS = ("_",)
# click's own words, which it asks stdlib gettext for
CLICK = (
    "Usage:", "Options", "Commands", "Show this message and exit.", "Show the version and exit.",
    "Error: {message}", "Try '{command} {option}' for help.", "No such option {name!r}.",
    "Missing argument", "Missing option", "Missing command.", "No such command {name!r}.",
    "Invalid value for {param_hint}: {message}", "Invalid value: {message}",
    "{value!r} is not a valid {number_type}.", "{value} is not in the range {range}.",
    "{name} {filename!r} does not exist.", "{name} {filename!r} is a directory.", "Aborted!",
    "default: {default}", "env var: {var}", "required",
    # asked for through ngettext (singular, plural)
    "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})",
    "{value!r} is not {choice}.", "{value!r} is not one of {choices}.",
    "Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.",
)


def po_path(lang):
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang):
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def source_messages(root=PACKAGE):
    """{message: "file:line"} of every _("...") call in the package (literal strings only)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CALLS
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def _unquote(text):
    out, i = [], 1
    body = text.strip()
    assert body.startswith('"') and body.endswith('"'), text
    body = body[1:-1]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def read_po(path):
    """{msgid: msgstr} of a .po file (the header entry under "")."""
    entries, key, field, parts = {}, None, None, {}
    def flush():
        if "msgid" in parts:
            entries[parts["msgid"]] = parts.get("msgstr", "")
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if line == "" and parts:
                flush()
                parts = {}
            continue
        if line.startswith("msgid "):
            if "msgid" in parts:
                flush()
                parts = {}
            field = "msgid"
            parts[field] = _unquote(line[6:])
        elif line.startswith("msgstr "):
            field = "msgstr"
            parts[field] = _unquote(line[7:])
        elif line.startswith('"') and field:
            parts[field] += _unquote(line)
    flush()
    return entries


def write_po(path, entries, where=None):
    where = where or {}
    lines = ['msgid ""', 'msgstr ""', _quote("Content-Type: text/plain; charset=UTF-8\n"), ""]
    for msgid in sorted(k for k in entries if k):
        if msgid in where:
            lines.append(f"#: {where[msgid]}")
        lines.append(f"msgid {_quote(msgid)}")
        lines.append(f"msgstr {_quote(entries[msgid])}")
        lines.append("")
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def compile_mo(entries):
    """The bytes of a GNU .mo file for {msgid: msgstr} (untranslated entries left out)."""
    pairs = sorted((k.encode("utf-8"), v.encode("utf-8")) for k, v in entries.items() if v or not k)
    ids = b"".join(k + b"\0" for k, _ in pairs)
    strs = b"".join(v + b"\0" for _, v in pairs)
    count = len(pairs)
    start = 7 * 4 + 16 * count
    offsets, position = [], 0
    for key, _ in pairs:
        offsets += [len(key), start + position]
        position += len(key) + 1
    values, position = [], 0
    for _, value in pairs:
        values += [len(value), start + len(ids) + position]
        position += len(value) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
    return header + struct.pack(f"{2 * count}i", *offsets) + struct.pack(f"{2 * count}i", *values) + ids + strs


def update(lang="zh"):
    """Add every new message of the source (and click's) to the .po, keep the
    translations, drop what the source no longer says, compile the .mo.
    Returns the messages still without a translation."""
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = read_po(path) if path.exists() else {}
    where = source_messages()
    wanted = dict.fromkeys(list(where) + list(CLICK))
    entries = {"": "Content-Type: text/plain; charset=UTF-8\n"}
    entries.update({msgid: old.get(msgid, "") for msgid in wanted})
    write_po(path, entries, where)
    mo_path(lang).write_bytes(compile_mo(entries))
    return [msgid for msgid in wanted if not entries[msgid]]
