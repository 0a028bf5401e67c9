"""The grading pool: judge processes that take submissions from the store's queue.

Each judge process is a fresh interpreter (``python -m grader.service.judges``),
never the HTTP process: it starts a warm worker before it loads any
reference, then loops: claim the oldest queued submission, grade it with the
pipeline, write each case's verdict as soon as it is decided, write the
reports (student and instructor views) and mark it done, all under a lease
it keeps renewing. ``Pool`` (in the ``judge serve`` process) starts them,
puts back the work of any that dies and starts another in its place.
"""

import argparse
import dataclasses
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import queue
from .store import Store

POLL_SECONDS = 0.1               # how often an idle judge looks at the queue
SUPERVISE_SECONDS = 0.5          # how often the pool looks at its judges
STOP_SECONDS = 10.0              # a judge told to stop has this long to hand its work back


class _Stop(BaseException):
    pass


def _stop(signum, frame):
    raise _Stop


def _die_with_parent():
    """Have the kernel send SIGTERM to this process when the server that started it dies."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)          # PR_SET_PDEATHSIG
    except (OSError, AttributeError):                  # pragma: no cover - not Linux
        pass


class Judge:
    """One judge process's loop."""

    def __init__(self, store, owner, grading, options, worker):
        self.store, self.owner, self.g, self.options = store, owner, grading, options
        self.spare = worker                          # started before any reference was loaded
        self.ready = {}                              # exercise id -> (case set, ex, prepared, worker)
        self.scratch = Path(tempfile.mkdtemp(prefix="dl-judge-"))
        self.current = None

    def run_forever(self, parent=None):
        while parent is None or os.getppid() == parent:
            job = queue.claim(self.store, self.owner)
            if job is None:
                time.sleep(POLL_SECONDS)
                continue
            self.one(job)

    def one(self, job):
        self.current = job
        done = threading.Event()
        keeper = threading.Thread(target=self._keep_lease, args=(job, done), daemon=True)
        keeper.start()
        try:
            self._grade(job)
        except _Stop:
            queue.release(self.store, job)
            raise
        except Exception as err:  # noqa: BLE001 - a fault of the judge, never the student's
            queue.judge_fault(self.store, job, f"{type(err).__name__}: {err}")
        finally:
            done.set()
            keeper.join()
            self.current = None

    def _keep_lease(self, job, done):
        while not done.wait(queue.LEASE_SECONDS / 6):
            if not queue.renew(self.store, job):
                return

    def _prepared(self, exercise_id):
        from . import pipeline
        ex = pipeline.load_exercise(exercise_id)
        version = pipeline.case_set_version(ex)
        held = self.ready.get(exercise_id)
        if held is None or held[0] != version:
            worker = held[3] if held else (self.spare or self.g.Worker().start())
            self.spare = None
            ex, prepared = self.g.ready(exercise_id, self.options, worker)
            held = self.ready[exercise_id] = (version, ex, prepared, worker)
        return held

    def _grade(self, job):
        from . import pipeline
        try:
            version, ex, prepared, worker = self._prepared(job.exercise)
        except pipeline.JudgeError as err:        # a broken exercise or case file, a sandbox refused
            queue.judge_fault(self.store, job, str(err))
            return

        def on_case(index, case):
            one = pipeline.Report(ex.id, job.filename, [case])
            queue.case_line(self.store, job, index, pipeline.as_dict(one, "student")["cases"][0],
                            pipeline.as_dict(one, "instructor", reveal=True)["cases"][0])

        report = self.g.grade_text(ex, self._read(job), prepared, self.options, worker,
                                   on_case=on_case)
        student = pipeline.as_dict(report, "student")
        instructor = pipeline.as_dict(report, "instructor", reveal=True)   # instructors see hidden cases' words
        if report.verdict is pipeline.Verdict.IE:
            queue.judge_fault(self.store, job, queue.FAILED_MESSAGE, version, student, instructor)
        else:
            queue.record(self.store, job, version, student, instructor)

    def _read(self, job):
        """The submission as ``judge grade`` reads a file (size cap, UTF-8, ...),
        labelled with the name it was handed in under."""
        from . import pipeline
        path = self.scratch / "submission.py"
        path.write_bytes(job.source)
        try:
            read = self.g.read(path)
        finally:
            path.unlink()
        problem = read.problem and read.problem.replace(pipeline.inert(str(path)), job.filename)
        return dataclasses.replace(read, path=job.filename, problem=problem)

    def close(self):
        workers = {id(held[3]): held[3] for held in self.ready.values()}
        if self.spare is not None:
            workers[id(self.spare)] = self.spare
        for worker in workers.values():
            worker.close()
        try:
            self.scratch.rmdir()
        except OSError:
            pass


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader.service.judges")
    parser.add_argument("data")
    parser.add_argument("owner")
    parser.add_argument("--sandbox", default=None)
    parser.add_argument("--parent", type=int, default=None)
    args = parser.parse_args(argv)
    _die_with_parent()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)           # the server handles Ctrl-C
    if args.parent is not None and os.getppid() != args.parent:
        return 0                                           # the server is already gone
    from . import pipeline
    grading = pipeline.grading()
    worker = grading.Worker().start()                      # before this process loads any reference
    judge = None
    try:
        options = grading.Options(sandbox=args.sandbox or grading.default_mode())
        judge = Judge(Store(args.data), args.owner, grading, options, worker)
        judge.run_forever(args.parent)
    except _Stop:
        pass
    finally:
        if judge is not None:
            judge.close()
        else:
            worker.close()
    return 0


class Pool:
    """``jobs`` judge processes kept running, in the process of ``judge serve``."""

    def __init__(self, folder, jobs, sandbox=None, log=None):
        self.folder, self.jobs, self.sandbox = str(folder), jobs, sandbox
        self.log = log or (lambda text: print(f"judge: {text}", file=sys.stderr, flush=True))
        self.store = Store(folder)
        self.slots = [None] * jobs                        # (process, owner, started)
        self.stopping = threading.Event()
        self.thread = None

    def start(self):
        for slot in range(self.jobs):
            self._spawn(slot)
        self.thread = threading.Thread(target=self._supervise, name="judge-pool", daemon=True)
        self.thread.start()
        return self

    def _spawn(self, slot):
        owner = f"judge-{slot}-{os.getpid()}-{secrets.token_hex(4)}"
        command = [sys.executable, "-m", "grader.service.judges", self.folder, owner,
                   "--parent", str(os.getpid())]
        if self.sandbox:
            command += ["--sandbox", self.sandbox]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        self.slots[slot] = (process, owner, time.monotonic())

    def alive(self):
        return sum(1 for s in self.slots if s and s[0].poll() is None)

    def _supervise(self):
        last_sweep = 0.0
        while not self.stopping.wait(SUPERVISE_SECONDS):
            for slot, (process, owner, started) in enumerate(self.slots):
                if process.poll() is None or self.stopping.is_set():
                    continue
                moved = queue.requeue(self.store, owners={owner}, expired=False)
                self.log(f"a judge process ended (exit {process.returncode})"
                         + (f"; submission {moved[0]} goes back to the queue" if moved else "")
                         + "; starting another")
                if time.monotonic() - started < 2:
                    time.sleep(2)                         # one that dies at once: do not spin
                if not self.stopping.is_set():
                    self._spawn(slot)
            if time.monotonic() - last_sweep > queue.LEASE_SECONDS / 3:
                last_sweep = time.monotonic()
                queue.requeue(self.store, owners=set(), expired=True)

    def stop(self):
        """SIGTERM every judge (each hands back what it holds), SIGKILL the slow."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
        processes = [s for s in self.slots if s]
        for process, _, _ in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process, _, _ in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        queue.requeue(self.store, owners={owner for _, owner, _ in processes}, expired=False)


if __name__ == "__main__":
    sys.exit(main())
