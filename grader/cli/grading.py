"""`judge grade` and `judge batch`: one submission, or a whole class."""

import sys

import click

from grader import settings
from grader.cli import options
from grader.cli.files import check_output, emit, prepare_folder, write_atomically
from grader.cli.group import main
from grader.errors import EXIT_AC, EXIT_INTERNAL, EXIT_NOT_AC, JudgeError
from grader.output import report


reveal_option = click.option(
    "--reveal-hidden", "reveal", is_flag=True,
    help="For instructors: show what each hidden case said (message, details, real time) in "
         "the text, JSON and JUnit reports; never in feedback files, Gradescope or LMS files.")


@main.command()
@click.argument("submission", type=click.Path(exists=True, dir_okay=False))
@options.exercise
@options.grading
@click.option("--format", "fmt", type=click.Choice(["text", "json", "gradescope", "junit"]),
              default="text", show_default=True,
              help="gradescope writes Gradescope's results.json; junit a JUnit XML report.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@click.option("--view", type=click.Choice(settings.VIEWS), default="student",
              show_default=True,
              help="student names hidden cases only by number; instructor shows their real names.")
@reveal_option
def grade(submission, exercise_id, fmt, time_limit, memory_limit, cases_path, output, cache,
          view, sandbox_mode, reveal):
    """Grade SUBMISSION, a filled-in skeleton file."""
    from grader.pipeline.grade import Options, grade as run_grade
    if reveal and view != "instructor":
        raise JudgeError("--reveal-hidden shows hidden cases to instructors only; add --view instructor")
    if reveal and fmt == "gradescope":
        raise JudgeError("--reveal-hidden: Gradescope's results are read by students; "
                         "use --format text, json or junit")
    check_output(output)                           # a typo in -o must not cost the grading
    mode = sandbox_mode
    grading = Options(cases_path, time_limit, memory_limit, use_cache=cache, sandbox=mode)
    if fmt == "text" and output is None and sys.stdout.isatty() and not reveal:
        # on a terminal, each case's line as soon as it is decided
        live = report.LiveText(lambda text: click.echo(text, nl=False), report.use_colour(), view)
        result = run_grade(submission, exercise_id, grading, on_start=live.start, on_case=live.case)
        live.finish(result)
        _exit(result)
    result = run_grade(submission, exercise_id, grading)
    if fmt == "text":
        text = report.to_text(result, colour=output is None and report.use_colour(), view=view,
                              reveal=reveal)
    else:
        text = _render(fmt, [(_student_id(submission), result)], single=True, view=view, reveal=reveal)
    emit(text, output)
    _exit(result)


def _exit(result):
    if str(result.verdict) == "IE":
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_AC if str(result.verdict) == "AC" else EXIT_NOT_AC)


def _student_id(path):
    from pathlib import Path
    from grader.inert import inert
    return inert(Path(path).stem)                  # as judge batch does: a file name is the student's


def _render(fmt, results, single=False, view="instructor", assignment=None, people=None, reveal=False):
    from grader.output import export
    if fmt == "canvas":
        return export.to_canvas(results, assignment, people)
    if fmt == "moodle":
        return export.to_moodle(results, people)
    if fmt == "json":
        return (report.to_json(results[0][1], view, reveal) if single
                else export.to_batch_json(results, reveal))
    if fmt == "gradescope":                        # students read it: never revealed
        return export.to_gradescope(results[0][1]) if single else export.to_batch_gradescope(results)
    if fmt == "junit":
        return export.to_junit(results, reveal)
    return export.to_csv(results)



@main.command()
@click.argument("paths", nargs=-1, required=True)
@options.exercise
@options.grading
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=256),
              help="Submissions graded at once [default: the machine's cores].")
@click.option("--format", "fmt",
              type=click.Choice(["csv", "json", "junit", "gradescope", "canvas", "moodle"]),
              default="csv", show_default=True,
              help="canvas: Canvas's gradebook import; moodle: Moodle's offline grading worksheet.")
@click.option("--output", "-o", type=click.Path(),
              help="Write the grades to this file (default: standard output); with --format "
                   "gradescope, a folder (not ending in .json) gets DIR/ID/results.json per student.")
@click.option("--id-pattern", "id_pattern", metavar="REGEX|moodle|canvas",
              help="Take the student id from the file or folder name: a regular expression whose "
                   "first group (or (?P<id>...)) is the id and (?P<name>...) the name; presets "
                   "for LMS downloads: moodle, canvas.")
@click.option("--assignment", metavar="NAME",
              help="--format canvas: the assignment's column, as Canvas names it "
                   "(e.g. 'Conv backward (12345)') [default: the exercise id].")
@click.option("--bom", is_flag=True, help="Start CSV files with a byte-order mark (for Excel).")
@click.option("--feedback-dir", type=click.Path(file_okay=False),
              help="Also write each student's text report (the student's view) to DIR/ID.txt.")
@reveal_option
def batch(paths, exercise_id, jobs, fmt, time_limit, memory_limit, cases_path, output, cache,
          sandbox_mode, id_pattern, assignment, bom, feedback_dir, reveal):
    """Grade every submission in PATHS (files, folders or globs) in parallel.

    The student id is the file name without .py, or the name of the student's
    folder (or what --id-pattern takes from it). Prints the grades (CSV by
    default) and a summary; exit 0 once every submission is graded.
    """
    from grader import batch as batching
    from grader.output import export
    from grader.pipeline.grade import Options
    if reveal and fmt not in ("json", "junit"):
        raise JudgeError(f"--reveal-hidden: --format {fmt} has no place for hidden cases' details "
                         f"(or students read it); use --format json or junit")
    per_student = fmt == "gradescope" and output and not output.endswith(".json")
    if per_student:
        folders = prepare_folder(output, "--output")
    else:
        check_output(output)                       # before a class is graded, not after
    feedback = prepare_folder(feedback_dir, "--feedback-dir")
    entries = batching.collect(paths, batching.id_pattern(id_pattern))
    if fmt == "moodle":
        unnumbered = [e.student for e in entries if not e.student.isdigit()]
        if unnumbered:
            raise JudgeError(f"--format moodle: {unnumbered[0]!r} is not a participant number; "
                             f"grade Moodle's download with --id-pattern moodle")
    options = Options(cases_path, time_limit, memory_limit, use_cache=cache,
                      sandbox=sandbox_mode)
    summary_stream = sys.stdout if output else sys.stderr
    if sys.stderr.isatty():
        with click.progressbar(length=len(entries), label="grading", file=sys.stderr,
                               show_pos=True, show_eta=True) as bar:
            results = batching.grade_all(exercise_id, entries, options, jobs,
                                         on_done=lambda entry, result: bar.update(1))
    else:
        results = batching.grade_all(exercise_id, entries, options, jobs)
    people = {e.student: (e.name, e.lms_id) for e in entries}
    text = _render(fmt, results, assignment=assignment or exercise_id, people=people, reveal=reveal)
    if bom and fmt in ("csv", "canvas", "moodle"):
        text = "\ufeff" + text
    if feedback:
        for student, result in results:
            write_atomically(str(feedback / f"{_file_name(student)}.txt"),
                             report.to_text(result, colour=False, view="student") + "\n")
    if per_student:                                # what Gradescope reads, one folder per student
        for student, result in results:
            folder = folders / _file_name(student)
            folder.mkdir(exist_ok=True)
            write_atomically(str(folder / "results.json"), export.to_gradescope(result) + "\n")
        click.echo(f"wrote {len(results)} results.json files under {output}")
    else:
        emit(text.rstrip("\n") if fmt in ("canvas", "moodle") else text, output)
    click.echo(export.summary_text(export.summary(results)), file=summary_stream)


def _file_name(student):
    """A student id as a file name: nothing that could leave the folder."""
    import re
    name = re.sub(r"[^\w.@+-]", "_", student).lstrip(".")
    return name or "_"
