"""Put the student's code between the markers of the pristine skeleton.

Only what stands between ``########## Begin ##########`` and
``########## End ##########`` is graded; the rest of the file always comes
from the skeleton, so the given ``forward`` and imports cannot be changed.
A line map lets errors point at lines of the student's own file.
"""

import difflib
import re
from dataclasses import dataclass, field

BEGIN = re.compile(r"^\s*#{3,}\s*begin\s*#{3,}\s*$", re.IGNORECASE)
END = re.compile(r"^\s*#{3,}\s*end\s*#{3,}\s*$", re.IGNORECASE)
MARKER_TEXT = "########## Begin ##########"


class SpliceError(ValueError):
    """The markers in a submission are missing or out of order."""


@dataclass(frozen=True)
class Spliced:
    source: str
    line_map: dict                       # spliced line -> student line (1-based)
    outside_changes: list = field(default_factory=list)   # student line numbers changed outside

    def student_line(self, line):
        return self.line_map.get(line)

    def nearest_student_line(self, line):
        """The student's line for ``line`` of the spliced source, or for the
        closest mapped line above it; None outside the source."""
        if not isinstance(line, int) or isinstance(line, bool) or line < 1 \
                or line > self.source.count("\n") + 1:
            return None
        mapped = [n for n in self.line_map if n <= line]
        return self.line_map[max(mapped)] if mapped else None


def regions(lines, who):
    """[(begin, end)] 0-based indexes of marker lines; SpliceError if malformed."""
    found, begin = [], None
    for index, line in enumerate(lines):
        if BEGIN.match(line):
            if begin is not None:
                raise SpliceError(f"{who}: line {index + 1} opens a Begin region again; the one on "
                                  f"line {begin + 1} has no End marker before it")
            begin = index
        elif END.match(line):
            if begin is None:
                raise SpliceError(f"{who}: line {index + 1} has an End marker with no Begin marker "
                                  f"before it")
            found.append((begin, index))
            begin = None
    if begin is not None:
        raise SpliceError(f"{who}: the Begin marker on line {begin + 1} has no End marker after it; "
                          f"restore `########## End ##########` after your code")
    return found


def splice(skeleton, student, who="submission"):
    """Splice ``student`` into ``skeleton``; raise SpliceError with a one-line reason."""
    base = skeleton.split("\n")
    mine = student.split("\n")
    base_regions = regions(base, "skeleton")
    my_regions = regions(mine, who)
    if not my_regions:
        raise SpliceError(f"{who}: no `{MARKER_TEXT}` / `########## End ##########` markers found; "
                          f"write your code between the markers of the skeleton "
                          f"(`judge init` writes a fresh copy)")
    if len(my_regions) != len(base_regions):
        raise SpliceError(f"{who}: found {len(my_regions)} Begin/End regions but the skeleton has "
                          f"{len(base_regions)}; keep the markers exactly as the skeleton gives them")
    out, line_map, changed = [], {}, []
    base_pos = mine_pos = 0
    for (b_begin, b_end), (m_begin, m_end) in zip(base_regions, my_regions):
        changed += _outside(base[base_pos:b_begin + 1], mine[mine_pos:m_begin + 1], mine_pos)
        _copy(out, line_map, base[base_pos:b_begin + 1], mine_pos, m_begin + 1 - mine_pos)
        for offset, line in enumerate(mine[m_begin + 1:m_end]):
            out.append(line)
            line_map[len(out)] = m_begin + 2 + offset
        base_pos, mine_pos = b_end, m_end
    changed += _outside(base[base_pos:], mine[mine_pos:], mine_pos)
    _copy(out, line_map, base[base_pos:], mine_pos, len(mine) - mine_pos)
    return Spliced("\n".join(out), line_map, changed)


def _copy(out, line_map, block, mine_start, mine_len):
    """Append skeleton lines; map them to the student's file when sizes agree."""
    for offset, line in enumerate(block):
        out.append(line)
        if len(block) == mine_len:
            line_map[len(out)] = mine_start + offset + 1


def _code(block, start=0):
    """(line number, text) of the lines that are code: no blanks, no comments."""
    return [(start + i + 1, line.rstrip()) for i, line in enumerate(block)
            if line.strip() and not line.lstrip().startswith("#")]


def _outside(base_block, mine_block, mine_start):
    """Student line numbers (1-based) where code outside the markers differs.

    Comments and blank lines do not count: a name or a note at the top of the
    file is not a change to the given code.
    """
    base = [text for _, text in _code(base_block)]
    mine = _code(mine_block, mine_start)
    texts = [text for _, text in mine]
    if base == texts:
        return []
    changed = []
    matcher = difflib.SequenceMatcher(a=base, b=texts, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed += [mine[j][0] for j in range(j1, j2)]
        elif tag == "delete" and mine:
            changed.append(mine[min(j1, len(mine) - 1)][0])
        elif tag == "delete":
            changed.append(mine_start + 1)
    return sorted(set(changed))


def describe_lines(numbers, limit=4):
    """'3, 7-9' style text for a list of line numbers."""
    spans, start, prev = [], None, None
    for n in sorted(set(numbers)):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            spans.append((start, prev))
            start = prev = n
    if start is not None:
        spans.append((start, prev))
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in spans[:limit]]
    return ", ".join(parts) + (", ..." if len(spans) > limit else "")
