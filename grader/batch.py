"""Grade a whole class: many submissions on warm workers in parallel.

One judge process per job, each with its own warm worker started before that
process loads the reference, so no worker holds expected arrays; each
submission is run exactly as ``judge grade`` runs it (same splice, sandbox,
limits and comparison). The parent only hands out submissions and collects
the reports.
"""

import glob
import os
import selectors
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from grader import processes
from grader.answers import secrecy
from grader.pipeline import read
from grader.box import wire as channel
from grader.inert import inert
from grader.output import report as text_report
from grader.errors import InternalError, JudgeError
from grader.pipeline.grade import grade_text, load_exercise, ready
from grader.pipeline.run import Worker
from grader.settings import DEFAULTS


@dataclass(frozen=True)
class Entry:
    student: str
    path: str
    problem: str = None         # why the folder holds no one file to grade (graded CE)
    name: str = None            # the student's name, when --id-pattern found one
    lms_id: str = None          # the LMS's own user id (Canvas's ID), when the pattern names it

    def read(self):
        if self.problem:
            return read.Submission(self.path, problem=self.problem)
        return read.read(self.path)


def _student_file(folder):
    """(the submission inside a student's folder, None), or (the folder, why it
    cannot be graded). Its only .py file, or submission.py among several;
    several without a submission.py is not guessed at: the row is CE and says
    which files were found. A folder without any is graded as is (a compile
    error that says to hand in the .py file)."""
    files = sorted(p for p in folder.iterdir() if p.suffix == ".py" and (p.is_file() or p.is_symlink()))
    if len(files) == 1:
        return files[0], None
    if folder / "submission.py" in files:
        return folder / "submission.py", None
    if files:
        names = ", ".join(inert(p.name) for p in files[:6]) + (", ..." if len(files) > 6 else "")
        return folder, (f"{inert(str(folder))}: {len(files)} .py files ({names}) and no submission.py; "
                        f"name the file to grade submission.py, or hand in only that one")
    return folder, None


# --id-pattern's presets: the names LMS downloads give a student's file or folder
ID_PATTERNS = {
    # Moodle: "Zhang San_1001_assignsubmission_file_" (1001: the participant's id)
    "moodle": r"^(?P<name>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_",
    # Canvas: "zhangsan_12345_67890_conv" or "zhangsan_LATE_12345_67890_conv" (12345: Canvas's user ID)
    "canvas": r"^(?P<name>[^_]+)_(?:LATE_)?(?P<lms_id>\d+)_",
}


def id_pattern(text):
    """The compiled --id-pattern (a preset's name or a regular expression with a group)."""
    import re
    if not text:
        return None
    source = ID_PATTERNS.get(text, text)
    try:
        pattern = re.compile(source)
    except re.error as err:
        raise JudgeError(f"--id-pattern {text!r}: not a regular expression ({err}); "
                         f"for example '_(\\d+)_' or a preset: {', '.join(ID_PATTERNS)}") from None
    if not pattern.groups:
        raise JudgeError(f"--id-pattern {text!r}: has no group to take the id from; put the id "
                         f"in parentheses, e.g. '_(\\d+)_', or name it (?P<id>...)")
    return pattern


def identify(raw, pattern, path):
    """(student id, name, LMS id) from a file or folder name through --id-pattern."""
    if pattern is None:
        return raw, None, None
    found = pattern.search(raw)
    if not found:
        raise JudgeError(f"{inert(str(path))}: its name does not match --id-pattern "
                         f"{pattern.pattern!r}; fix the pattern or rename the file")
    groups = found.groupdict()
    lms_id = groups.get("lms_id")
    student = groups.get("id") or lms_id or found.group(1)
    if not student:
        raise JudgeError(f"{inert(str(path))}: --id-pattern {pattern.pattern!r} matched an empty id")
    return student, groups.get("name"), lms_id


def collect(paths, pattern=None):
    """Submissions from files, folders or globs; the student id is the file or folder name
    (or what ``pattern``, a compiled --id-pattern, takes from it).

    A folder holds either .py files (one per student) or one folder per
    student with the submission inside.
    """
    entries, seen = [], {}
    for raw in paths:
        matches = sorted(glob.glob(raw)) if glob.has_magic(raw) else [raw]
        if not matches:
            raise JudgeError(f"{raw}: no file matches this pattern")
        for match in matches:
            path = Path(match)
            if path.is_file() or path.is_symlink() and not path.is_dir():
                found = [(path.stem, path, None)]
            elif path.is_dir():
                found = []
                for child in sorted(path.iterdir()):
                    # a link (even a dangling one) is listed: it is graded CE, never dropped
                    if child.suffix == ".py" and (child.is_symlink() or child.is_file()):
                        found.append((child.stem, child, None))
                    elif child.is_symlink() and child.is_dir():   # graded as the link: CE
                        found.append((child.name, child, None))
                    elif child.is_dir() and not child.name.startswith("."):
                        found.append((child.name, *_student_file(child)))
                if not found:
                    raise JudgeError(f"{match}: no .py files or student folders inside")
            else:
                raise JudgeError(f"{inert(match)}: no such file or folder")
            for raw_id, file, problem in found:
                raw_id, name, lms_id = identify(raw_id, pattern, file)
                student = inert(raw_id)            # a name that is not UTF-8 shows its bytes
                if student in seen and seen[student] != str(file):
                    raise JudgeError(f"{inert(str(file))}: student id {student!r} is also used by "
                                     f"{inert(seen[student])}; rename one of them")
                if student not in seen:
                    seen[student] = str(file)
                    entries.append(Entry(student, str(file), problem,
                                         inert(name) if name else None, lms_id))
    if not entries:
        raise JudgeError("no submissions found; give files, folders or globs")
    return entries


def default_jobs():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def grade_all(exercise_id, entries, options, jobs=None, on_done=None):
    """Grade every entry; return [(student id, Report)] in the entries' order.

    With one job, this process grades them on one worker. With more, it
    forks one judge process per job while it still holds no reference;
    each starts its own worker, prepares the cases (the disk cache makes
    that cheap) and takes the next submission whenever it is free, so a
    slow submission never holds up the others. Judges in separate processes
    run truly in parallel, which threads sharing one interpreter do not.
    """
    jobs = max(1, min(jobs or default_jobs(), len(entries)))
    load_exercise(exercise_id, options)          # bad ids and case files fail here, once
    if jobs == 1:
        return _grade_here(exercise_id, entries, options, on_done)
    return _grade_in_processes(exercise_id, entries, options, jobs, on_done)


def _grade_here(exercise_id, entries, options, on_done):
    with Worker() as worker:
        worker.start()                           # before any reference is loaded
        ex, prepared = ready(exercise_id, options, worker)
        results = []
        for entry in entries:
            report = grade_text(ex, entry.read(), prepared, options, worker)
            results.append((entry.student, report))
            if on_done:
                on_done(entry, report)
        return results


def _grade_in_processes(exercise_id, entries, options, jobs, on_done):
    if secrecy.held():
        raise InternalError("batch grading must start before any reference is loaded")
    judges = []
    for _ in range(jobs):
        judges.append(_Judge(exercise_id, entries, options, [j.task_w for j in judges]))
    results = [None] * len(entries)
    todo = list(range(len(entries)))[::-1]
    selector = selectors.DefaultSelector()
    try:
        for judge in judges:
            selector.register(judge.reader.fd, selectors.EVENT_READ, judge)
            judge.give(todo.pop() if todo else None)
        busy = sum(1 for judge in judges if judge.current is not None)
        while busy:
            for key, _ in selector.select():
                judge = key.data
                payload = judge.reader.read(None, 1 << 30)
                if payload is None:
                    raise InternalError(f"a judge process ended while grading "
                                        f"{entries[judge.current].path}")
                message = channel.decode_json(payload)
                if "usage" in message:
                    raise JudgeError(message["usage"])
                if "error" in message:
                    raise InternalError(f"grading {entries[judge.current].path} failed: "
                                        f"{message['error']}")
                entry = entries[judge.current]
                report = text_report.from_dict(message["report"])
                results[judge.current] = (entry.student, report)
                if on_done:
                    on_done(entry, report)
                judge.give(todo.pop() if todo else None)
                if judge.current is None:
                    busy -= 1
                    selector.unregister(judge.reader.fd)
        return results
    finally:
        selector.close()
        finished = all(result is not None for result in results)
        for judge in judges:
            judge.close_tasks()                  # every pipe first: no judge waits for work
        for judge in judges:
            judge.close(kill=not finished)


STOP_SECONDS = DEFAULTS.judge_stop_seconds


class _Stop(BaseException):
    pass


def _stop(signum, frame):
    raise _Stop


class _Judge:
    """A forked judge process that grades the submissions it is given, one at a time."""

    def __init__(self, exercise_id, entries, options, others=()):
        task_r, self.task_w = os.pipe()
        result_r, result_w = channel.wide_pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            for fd in (self.task_w, result_r, *others):  # the other judges' task pipes too,
                os.close(fd)                             # or they would never see the end
            _judge_process(exercise_id, entries, options, task_r, result_w)
        os.close(task_r)
        os.close(result_w)
        self.pid = pid
        self.reader = channel.FrameReader(result_r)
        self.current = None

    def give(self, index):
        """Send the next submission (None: there is no more work)."""
        self.current = index
        if index is not None:
            channel.write_all(self.task_w, channel.json_frame({"index": index}))
        else:
            self.close_tasks()

    def close_tasks(self):
        if self.task_w is not None:
            os.close(self.task_w)
            self.task_w = None

    def close(self, kill=False):
        """Wait for the judge process to end; with ``kill``, stop it first: SIGTERM,
        so that it ends its worker and removes its folders, then SIGKILL."""
        self.close_tasks()
        if self.pid is not None:
            processes.end(self.pid, STOP_SECONDS if kill else None, signal.SIGTERM if kill else None)
            self.pid = None
        self.reader.close()
        os.close(self.reader.fd)


def _judge_process(exercise_id, entries, options, task_r, result_w):
    """The body of a forked judge process. Never returns."""
    code = 0
    signal.signal(signal.SIGTERM, _stop)          # the parent's way to end it early, cleanly
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)    # the parent handles Ctrl-C
        reader = channel.FrameReader(task_r)
        with Worker() as worker:
            worker.start()                               # before this process loads a reference
            ex, prepared = ready(exercise_id, options, worker)
            while True:
                payload = reader.read(None, channel.MAX_JSON)
                if payload is None:
                    break
                entry = entries[channel.decode_json(payload)["index"]]
                try:
                    report = grade_text(ex, entry.read(), prepared, options, worker)
                    message = {"report": text_report.as_dict(report, "instructor", reveal=True)}
                except JudgeError as err:     # e.g. strict mode on a machine that cannot
                    message = {"usage": str(err)}
                except Exception as err:  # a fault of the judge: the parent reports it
                    message = {"error": f"{type(err).__name__}: {err}"}
                channel.write_all(result_w, channel.json_frame(message))
    except BaseException:
        code = 3
    finally:
        os._exit(code)
