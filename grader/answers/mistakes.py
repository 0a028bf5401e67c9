"""Known mistakes: hand-written wrong answers kept with the references.

``reference/mistakes/<exercise>/*.py`` are the skeleton filled in the wrong
way, with comment lines at the top

    # mistake: what went wrong and how to put it right   (shown to students)
    # catch: the kind of case that exposes it            (for `judge check`)

They are instructor code, as secret as the reference.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from grader.declare import exercise as exercises

HEADER = re.compile(r"^#\s*(mistake|catch)\s*:\s*(.+?)\s*$")

@dataclass(frozen=True)
class Mistake:
    path: Path
    text: str
    description: str = ""       # the `# mistake:` line: what to tell a student
    catch: str = ""             # the `# catch:` line: the kind of case that exposes it

    @property
    def name(self):
        return self.path.stem


def folder(ex):
    return exercises.project_root() / "reference" / "mistakes" / ex.id


def known(ex):
    """The exercise's hand-written wrong answers, in file-name order (none if no folder)."""
    base = folder(ex)
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        fields = {}
        for line in text.split("\n"):
            if not line.startswith("#"):
                break
            match = HEADER.match(line)
            if match:
                fields.setdefault(match.group(1), match.group(2))
        found.append(Mistake(path, text, fields.get("mistake", ""), fields.get("catch", "")))
    return found
