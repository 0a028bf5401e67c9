"""Indentation with tabs: a block Python accepts in the student's file is graded,
not a compile error made by the splice; a mixture Python rejects is a CE naming
the line."""

import pytest

from grader.output import report as reports
from grader.pipeline import splice
from grader.pipeline.verdict import Verdict
from helpers import BEGIN, END, SEED_CONV, fill, write


def tabify(text, width=4):
    """Each ``width`` leading spaces become a tab, the way an editor set to tabs writes."""
    out = []
    for line in text.split("\n"):
        n = len(line) - len(line.lstrip(" "))
        out.append("\t" * (n // width) + " " * (n % width) + line[n:])
    return "\n".join(out)


def python_accepts(text):
    compile(text, "student.py", "exec")
    return True


@pytest.mark.parametrize("width", [4, 2])
def test_a_file_indented_with_tabs_is_graded(grade_file, tmp_path, width):
    text = tabify(fill("conv_backward", SEED_CONV), width)
    assert "\n\t\t" in text and python_accepts(text)
    report = grade_file(write(tmp_path, "tabs.py", text), "conv_backward")
    assert report.compile_error is None or report.compile_error == "", report.compile_error
    assert report.verdict is Verdict.AC, reports.to_text(report)
    assert report.notes == []                     # indentation outside is not "a change"


def test_tabs_and_spaces_python_accepts_together(grade_file, tmp_path):
    body = SEED_CONV.replace("return dx", "if dx.ndim == 4:\n    dx = dx + 0 * (\n  1)\nreturn dx")
    text = tabify(fill("conv_backward", body))
    # the if's body: two tabs and four spaces; the continuation line: anything
    text = text.replace("\t\t\tdx = dx + 0", "\t\t    dx = dx + 0").replace("\t\t  1)", " 1)")
    assert "\t\t    dx = dx + 0" in text and "\n 1)" in text and python_accepts(text)
    report = grade_file(write(tmp_path, "mixed.py", text), "conv_backward")
    assert report.verdict is Verdict.AC, reports.to_text(report)


def test_an_inconsistent_mixture_is_a_ce_naming_the_line(grade_file, tmp_path):
    text = tabify(fill("conv_backward", SEED_CONV))
    lines = text.split("\n")
    bad = next(i for i, line in enumerate(lines) if line.startswith("\t\tdcol = "))
    lines[bad] = " " * 16 + lines[bad].lstrip("\t")     # 16 spaces where two tabs stand
    text = "\n".join(lines)
    with pytest.raises(TabError) as python_says:          # Python rejects it, at that line
        compile(text, "student.py", "exec")
    assert python_says.value.lineno == bad + 1
    report = grade_file(write(tmp_path, "bad.py", text), "conv_backward")
    assert report.verdict is Verdict.CE
    assert f"line {bad + 1}: TabError: inconsistent use of tabs and spaces" in report.compile_error
    assert "dcol = np.dot(dout, self.col_W.T)" in report.compile_error
    assert "\n" not in report.compile_error
    assert f"line {bad + 1}: TabError" in reports.to_text(report)


def test_the_same_mixture_in_spaces_file_is_still_a_ce(grade_file, tmp_path):
    text = fill("conv_backward", SEED_CONV, indent="\t\t")   # tabs in a file of spaces
    with pytest.raises(TabError) as python_says:
        compile(text, "student.py", "exec")
    report = grade_file(write(tmp_path, "tabs_in_spaces.py", text), "conv_backward")
    assert report.verdict is Verdict.CE
    assert report.compile_error.startswith(f"{tmp_path / 'tabs_in_spaces.py'}: line "
                                           f"{python_says.value.lineno}: TabError: inconsistent")


SKELETON = f"def f():\n    x = 0\n    {BEGIN}\n    pass\n    {END}\n    return x\n"


def test_a_block_of_spaces_is_left_as_it_is():
    block = ["    a = 1", "    if a:", "        b = 2"]
    assert splice.reindent(block, "    ", 4, "s.py") is block


def test_the_text_of_a_string_keeps_its_tabs():
    student = (f"def f():\n\tx = 0\n\t{BEGIN}\n\tx = '''one\n\t\ttwo\n\tthree'''\n"
               f"\tif x:\n\t\tx = x + '\\t'\n\t{END}\n\treturn x\n")
    assert python_accepts(student)
    spliced = splice.splice(SKELETON, student)
    assert python_accepts(spliced.source)
    assert "    x = '''one\n\t\ttwo\n\tthree'''\n    if x:\n            x = x + '\\t'\n" in spliced.source
    namespace = {}
    exec(spliced.source, namespace)
    assert namespace["f"]() == "one\n\t\ttwo\n\tthree\t"
    assert spliced.outside_changes == []
    assert spliced.student_line(spliced.source.split("\n").index("            x = x + '\\t'") + 1) == 8


def test_a_real_change_outside_is_still_seen_in_a_file_of_tabs():
    student = f"def f():\n\tx = 1\n\t{BEGIN}\n\tpass\n\t{END}\n\treturn x\n"
    assert splice.splice(SKELETON, student).outside_changes == [2]


def test_comments_and_blank_lines_do_not_count():
    student = (f"def f():\n\tx = 0\n\t{BEGIN}\n# at column 0\n\n\t\t# deeper\n\tx = 2\n"
               f"\t{END}\n\treturn x\n")
    spliced = splice.splice(SKELETON, student)
    namespace = {}
    exec(spliced.source, namespace)
    assert namespace["f"]() == 2


def test_a_form_feed_starts_the_columns_again_as_in_python():
    student = f"def f():\n\tx = 0\n\t{BEGIN}\n\f\tx = 3\n\t{END}\n\treturn x\n"
    assert python_accepts(student)
    namespace = {}
    exec(splice.splice(SKELETON, student).source, namespace)
    assert namespace["f"]() == 3
