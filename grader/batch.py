"""Grade a whole class: many submissions on warm workers in parallel.

Every worker is started before the judge loads the reference, so none holds
expected arrays; each submission is still run exactly as ``judge grade``
runs it (same splice, sandbox, limits and comparison). One thread per worker
feeds it submissions; the threads mostly wait on their worker's pipe.
"""

import glob
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from . import read
from .errors import JudgeError
from .grade import grade_text, load_exercise, prepare
from .run import Worker


@dataclass(frozen=True)
class Entry:
    student: str
    path: str


def _student_file(folder):
    """The submission inside a student's folder: its only .py file, or a
    conventional name among several. A folder without one is graded as is
    (a compile error that says to hand in the .py file)."""
    files = sorted(p for p in folder.iterdir() if p.suffix == ".py" and p.is_file())
    if len(files) == 1:
        return files[0]
    for name in ("submission.py", "solution.py", "main.py"):
        if folder / name in files:
            return folder / name
    return files[0] if files else folder


def collect(paths):
    """Submissions from files, folders or globs; the student id is the file or folder name.

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
            if path.is_file():
                found = [(path.stem, path)]
            elif path.is_dir():
                found = []
                for child in sorted(path.iterdir()):
                    if child.is_file() and child.suffix == ".py":
                        found.append((child.stem, child))
                    elif child.is_dir() and not child.name.startswith("."):
                        found.append((child.name, _student_file(child)))
                if not found:
                    raise JudgeError(f"{match}: no .py files or student folders inside")
            else:
                raise JudgeError(f"{match}: no such file or folder")
            for student, file in found:
                if student in seen and seen[student] != str(file):
                    raise JudgeError(f"{file}: student id {student!r} is also used by "
                                     f"{seen[student]}; rename one of them")
                if student not in seen:
                    seen[student] = str(file)
                    entries.append(Entry(student, str(file)))
    if not entries:
        raise JudgeError("no submissions found; give files, folders or globs")
    return entries


def default_jobs():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def grade_all(exercise_id, entries, options, jobs=None, on_done=None):
    """Grade every entry; return [(student id, Report)] in the entries' order."""
    jobs = max(1, min(jobs or default_jobs(), len(entries)))
    workers = [Worker().start() for _ in range(jobs)]   # before any reference is loaded
    try:
        ex, case_list = load_exercise(exercise_id, options)
        prepared = prepare(ex, case_list, options.use_cache)
        results = [None] * len(entries)
        todo = queue.Queue()
        for index, entry in enumerate(entries):
            todo.put((index, entry))
        lock = threading.Lock()
        failure = []

        def serve(worker):
            while not failure:
                try:
                    index, entry = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    report = grade_text(ex, read.read(entry.path), prepared, options, worker)
                except BaseException as err:  # a fault of the judge: stop and report it
                    failure.append(err)
                    return
                results[index] = (entry.student, report)
                if on_done:
                    with lock:
                        on_done(entry, report)

        threads = [threading.Thread(target=serve, args=(w,), daemon=True) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failure:
            raise failure[0]
        return results
    finally:
        for worker in workers:
            worker.close()
