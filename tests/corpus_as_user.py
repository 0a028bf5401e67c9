"""Grade the whole adversarial corpus on one worker, as whoever runs this script; print JSON facts.

    python tests/corpus_as_user.py PROJECT MODE

PROJECT is a copy of the project (this script's own, imported from there), MODE a
sandbox mode. For each attack, in file order, after grading it like the adversarial
suite does: its verdicts, the processes left below the worker deeper than the box's
PID 1, the files of PROJECT that changed (sizes and mtimes), the seed answers' verdicts
on the same worker, and whether that worker and its box are still the same ones.
It decides nothing: the test that runs it asserts on what it prints.
"""

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

project = Path(sys.argv[1]).resolve()
mode = sys.argv[2]
sys.path[:0] = [str(project), str(project / "tests")]

from grader.pipeline.grade import Options, grade  # noqa: E402
from grader.pipeline.run import Worker  # noqa: E402
from helpers import SEED_CONV, SEED_POOL, descendants, fill  # noqa: E402

CORPUS = project / "tests" / "adversarial"
CASES = {"conv_backward": CORPUS / "conv_cases.yaml", "maxpool_backward": CORPUS / "maxpool_cases.yaml"}
SEEDS = {"conv_backward": SEED_CONV, "maxpool_backward": SEED_POOL}


def snapshot():
    found = {}
    for path in project.rglob("*"):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        info = path.stat()
        found[str(path.relative_to(project))] = [info.st_size, info.st_mtime_ns]
    return found


def header(path):
    lines = path.read_text(encoding="utf-8").split("\n")[:3]
    return lines[1].split(": ", 1)[1].strip(), lines[2].split(": ", 1)[1].strip()


def left_below(worker):
    """Processes below the worker deeper than the box's PID 1, after a moment to end."""
    deadline = time.monotonic() + 2.0
    while True:
        extra = [[pid, depth] for pid, depth in descendants(worker.pid) if depth > 1]
        if not extra or time.monotonic() > deadline:
            return extra
        time.sleep(0.02)


def main():
    scratch = Path(tempfile.mkdtemp(prefix="seeds-"))
    seeds = {}
    for exercise, body in SEEDS.items():
        seeds[exercise] = scratch / f"{exercise}_seed.py"
        seeds[exercise].write_text(fill(exercise, body), encoding="utf-8")
    with open("/proc/self/status") as handle:
        caps = handle.read().split("CapEff:")[1].split()[0]
    facts = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "caps": caps,
             "attacks": {}}
    before = snapshot()
    with Worker().start() as worker:
        def run(path, exercise):
            return grade(str(path), exercise, Options(cases=str(CASES[exercise]), sandbox=mode),
                         worker=worker)
        for path in sorted(CORPUS.glob("*.py")):
            expect, exercise = header(path)
            first = run(seeds[exercise], exercise)
            box = [worker.pid, worker.box_pid]
            started = time.monotonic()
            report = run(path, exercise)
            took = time.monotonic() - started
            extra = left_below(worker)
            now = snapshot()
            changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
            after = {name: str(run(seeds[name], name).verdict) for name in SEEDS}
            facts["attacks"][path.stem] = {
                "expect": expect, "verdict": str(report.verdict),
                "cases": [[str(c.verdict), c.message] for c in report.cases],
                "seconds": round(took, 2), "left": extra, "changed": changed,
                "seed_before": str(first.verdict), "seeds_after": after,
                "same_box": [worker.pid, worker.box_pid] == box, "box": worker.box(),
            }
    shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(facts))


main()
