"""Put the student's code between the markers of the pristine skeleton.

Only what stands between ``########## Begin ##########`` and
``########## End ##########`` is graded; the rest of the file always comes
from the skeleton, so the given ``forward`` and imports cannot be changed.
A line map lets errors point at lines of the student's own file.

A block indented with tabs that Python accepts in the student's file is
re-indented with spaces the way Python's tokenizer reads it (a tab moves to the
next multiple of 8 columns), so that it fits the skeleton's spaces; tabs and
spaces mixed in a way Python rejects are a one-line error naming the line.
"""

import difflib
import io
import re
import tokenize
from dataclasses import dataclass, field

from grader.messages import _

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
                raise SpliceError(_("{file}: line {line} opens a Begin region again; the one on line "
                                    "{begin} has no End marker before it", file=who, line=index + 1,
                                    begin=begin + 1))
            begin = index
        elif END.match(line):
            if begin is None:
                raise SpliceError(_("{file}: line {line} has an End marker with no Begin marker before it",
                                    file=who, line=index + 1))
            found.append((begin, index))
            begin = None
    if begin is not None:
        raise SpliceError(_("{file}: the Begin marker on line {line} has no End marker after it; "
                            "restore `########## End ##########` after your code", file=who, line=begin + 1))
    return found


def splice(skeleton, student, who="submission"):
    """Splice ``student`` into ``skeleton``; raise SpliceError with a one-line reason."""
    base = skeleton.split("\n")
    mine = student.split("\n")
    base_regions = regions(base, "skeleton")
    my_regions = regions(mine, who)
    if not my_regions:
        raise SpliceError(_("{file}: no `{marker}` / `########## End ##########` markers found; write "
                            "your code between the markers of the skeleton (`judge init` writes a "
                            "fresh copy)", file=who, marker=MARKER_TEXT))
    if len(my_regions) != len(base_regions):
        raise SpliceError(_("{file}: found {found} Begin/End regions but the skeleton has {expected}; "
                            "keep the markers exactly as the skeleton gives them", file=who,
                            found=len(my_regions), expected=len(base_regions)))
    out, line_map, changed = [], {}, []
    base_pos = mine_pos = 0
    tabbed = any("\t" in _leading(line) for line in mine)   # then indentation is not compared
    if tabbed:
        _check_tabs(mine, my_regions, who)
    for (b_begin, b_end), (m_begin, m_end) in zip(base_regions, my_regions):
        changed += _outside(base[base_pos:b_begin + 1], mine[mine_pos:m_begin + 1], mine_pos, tabbed)
        _copy(out, line_map, base[base_pos:b_begin + 1], mine_pos, m_begin + 1 - mine_pos)
        block = reindent(mine[m_begin + 1:m_end], _leading(base[b_begin]), m_begin + 2, who)
        for offset, line in enumerate(block):
            out.append(line)
            line_map[len(out)] = m_begin + 2 + offset
        base_pos, mine_pos = b_end, m_end
    changed += _outside(base[base_pos:], mine[mine_pos:], mine_pos, tabbed)
    _copy(out, line_map, base[base_pos:], mine_pos, len(mine) - mine_pos)
    return Spliced("\n".join(out), line_map, changed)


def _leading(line):
    return line[:len(line) - len(line.lstrip(" \t\f"))]


def _columns(space, tabsize):
    """The column after ``space`` as Python's tokenizer counts it."""
    col = 0
    for char in space:
        col = (col // tabsize + 1) * tabsize if char == "\t" else 0 if char == "\f" else col + 1
    return col


def reindent(block, indent, first_line, who):
    """The student's ``block`` (lines between markers, the first one line
    ``first_line`` of their file) indented with spaces from ``indent`` on.

    A block without tabs is returned as it is. In one with tabs, every line
    that starts a statement is indented as Python reads it (tabs to the next
    multiple of 8), shifted so that the first statement stands at ``indent``;
    lines inside a string keep their text. Indentation Python would reject as
    an inconsistent mixture of tabs and spaces raises SpliceError naming the
    line; anything else this cannot read is left for the compiler to report.
    """
    if not any("\t" in _leading(line) for line in block):
        return block
    starts, inside = _statements(block)
    if not starts:
        return block
    base = _columns(_leading(block[starts[0]]), 8)
    top = (base, _columns(_leading(block[starts[0]]), 1))
    for index, col, consistent, level in _python_indents(block, starts, [top]):
        if col < base or not level:
            return block        # out of the marked block, or to no level: the compiler says so
        if not consistent:
            raise _tab_error(who, first_line + index, block[index])
    out = []
    for index, line in enumerate(block):
        space = _leading(line)
        col = _columns(space, 8)
        if index in inside or not line.strip() or col < base:
            out.append(line)
        else:
            out.append(indent + " " * (col - base) + line[len(space):])
    return out


def _check_tabs(lines, my_regions, who):
    """SpliceError naming the first line between markers that Python would reject,
    in the student's whole file, for mixing tabs and spaces inconsistently."""
    starts, _rest = _statements(lines)
    for index, _width, consistent, _text in _python_indents(lines, starts, [(0, 0)]):
        if not consistent and any(begin < index < end for begin, end in my_regions):
            raise _tab_error(who, index + 1, lines[index])


def _python_indents(lines, starts, stack):
    """(index, column, consistent, level) for each line that starts a statement,
    as Python's tokenizer (tokenizer.c) sees its indentation: the column with
    tabs to multiples of 8; consistent when columns counted with tabs of 1
    order the same way; level when a dedent lands on a level that is open."""
    for index in starts:
        space = _leading(lines[index])
        col, alt = _columns(space, 8), _columns(space, 1)
        level = True
        if col > stack[-1][0]:
            consistent = alt > stack[-1][1]
            stack.append((col, alt))
        else:
            while len(stack) > 1 and col < stack[-1][0]:
                stack.pop()
            level = col == stack[-1][0]
            if not level:
                stack.append((col, alt))
            consistent = alt == stack[-1][1]
        yield index, col, consistent, level


def _tab_error(who, number, line):
    return SpliceError(_("{file}: line {line}: TabError: inconsistent use of tabs and spaces in "
                         "indentation -> {text}; indent with tabs only or spaces only", file=who,
                         line=number, text=line.strip()))


def _statements(block):
    """(indexes of the lines that start a statement, indexes of lines inside a
    string), read by Python's tokenizer; ([], ...) when it cannot read them."""
    text = "\n".join(block) + "\n"
    starts, inside, fresh = [], set(), True
    skip = (tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NEWLINE:
                fresh = True
                continue
            if token.type in skip:
                continue
            if fresh:
                starts.append(token.start[0] - 1)
                fresh = False
            if token.end[0] > token.start[0]:
                inside.update(range(token.start[0], token.end[0]))   # 0-based: the lines after the first
    except (tokenize.TokenError, SyntaxError):
        return [], set()
    return starts, inside


def _copy(out, line_map, block, mine_start, mine_len):
    """Append skeleton lines; map them to the student's file when sizes agree."""
    for offset, line in enumerate(block):
        out.append(line)
        if len(block) == mine_len:
            line_map[len(out)] = mine_start + offset + 1


def _code(block, start=0, strip=False):
    """(line number, text) of the lines that are code: no blanks, no comments."""
    return [(start + i + 1, line.strip() if strip else line.rstrip()) for i, line in enumerate(block)
            if line.strip() and not line.lstrip().startswith("#")]


def _outside(base_block, mine_block, mine_start, tabbed=False):
    """Student line numbers (1-based) where code outside the markers differs.

    Comments and blank lines do not count: a name or a note at the top of the
    file is not a change to the given code; nor does indentation in a file
    indented with tabs.
    """
    base = [text for _, text in _code(base_block, strip=tabbed)]
    mine = _code(mine_block, mine_start, strip=tabbed)
    texts = [text for _, text in mine]
    if base == texts:
        return []
    changed = []
    matcher = difflib.SequenceMatcher(a=base, b=texts, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
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
