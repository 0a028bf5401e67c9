"""Where a worker's time goes, in this tree's box and in a baseline's, measured alternately.

    python bench/box_parts.py                  # against d5254a2, 30 samples each
    python bench/box_parts.py --baseline REF --samples 60

Complements benchmark 5 of bench/run.py, which times whole gradings:

* this tree: starting a worker until its box is ready (a fresh interpreter),
  a bare `python -I -c "import numpy"` with the worker's environment, the
  box's own start (namespaces, allow-list, PID 1, root built, pivot_root) in a
  forked child, and computing the allow-list alone;
* the baseline: starting a worker (a fork of the judge) and building its box
  (which it does again after every run it had to kill);
* both, for a one-case submission with tiny arrays (one run, almost no
  compute): the worker's side alone (a box in a forked child, one request
  after the other) until the case's answer and until the run has ended and
  the box is clear for the next one; and one warm grading of it, judge
  included (the difference is the judge's own work).

Run it where the judge normally runs (the box needs its namespaces).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402

TINY_CASES = """\
cases:
  - name: tiny
    seed: 1
    params: {N: 1, C: 1, H: 3, W: 3, FN: 1, FH: 1, FW: 1, stride: 1, pad: 0}
    draw: normal
    points: 1
    visibility: public
"""

PRELUDE = r"""
import json, os, statistics, subprocess, sys, tempfile, time
tree = sys.argv[1]
sys.path.insert(0, tree)
import grader
assert os.path.realpath(grader.__file__).startswith(os.path.realpath(tree) + os.sep)
from grader.declare import exercise
from grader.answers import expected
from grader.pipeline import execute, grade, run
ex = exercise.load(sys.argv[2])
request = execute.shared_request(ex, "", grade.Options())
samples = int(sys.argv[3])
out = {}

def in_child(body):
    # body() runs in a forked child and returns seconds; the child then exits
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.write(w, json.dumps(body()).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = os.read(r, 1 << 16)
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data)
"""

CURRENT = PRELUDE + r"""
from grader.pipeline import sandbox
from grader.box import root, worker as box_worker
settings = run.boot_settings(request)
env = run.worker_environment()

def box_start():
    box = box_worker.Box({"mode": settings["mode"], "helpers": settings["helpers"]})
    start = time.perf_counter()
    hello = box.start()
    took = time.perf_counter() - start
    assert "ready" in hello, hello
    return took

for key in ("worker_ready", "numpy_isolated", "box_start", "allow_list"):
    out[key] = []
for _ in range(samples):
    w = run.Worker()
    start = time.perf_counter()
    w.start(); w.warm(request); w._ready()
    out["worker_ready"].append(time.perf_counter() - start)
    w.close()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", "import numpy"], env=env, cwd="/", check=True)
    out["numpy_isolated"].append(time.perf_counter() - start)
    out["box_start"].append(in_child(box_start))
    start = time.perf_counter()
    root.allow_list(settings["helpers"].values())
    out["allow_list"].append(time.perf_counter() - start)
print(json.dumps(out))
"""

BASELINE = PRELUDE + r"""
from grader import worker as box_worker

def box_build():
    box_worker._SCRATCH = tempfile.mkdtemp(prefix="judge-parts-")
    os.chmod(box_worker._SCRATCH, 0o711)
    box_worker.load_helpers(request.get("helpers", {}))
    key, mode, hide = box_worker._box_key(request)
    start = time.perf_counter()
    failure = box_worker._build_box(key, mode, hide)
    took = time.perf_counter() - start
    assert failure is None, failure
    box_worker._close_box()
    os.rmdir(box_worker._SCRATCH)
    return took

out["worker_fork"], out["box_build"] = [], []
for _ in range(samples):
    start = time.perf_counter()
    w = run.Worker().start()
    out["worker_fork"].append(time.perf_counter() - start)
    w.close()
    out["box_build"].append(in_child(box_build))
print(json.dumps(out))
"""

ONE_RUN = PRELUDE + r"""
from grader.pipeline import read
options = grade.Options(cases=sys.argv[4])
worker = run.Worker().start()
try:
    ex, prepared = grade.ready(sys.argv[2], options, worker)
    submission = read.read(sys.argv[5])
    assert grade.grade_text(ex, submission, prepared, options, worker).verdict.name == "AC"
    out["one_run"] = []
    for _ in range(samples):
        start = time.perf_counter()
        grade.grade_text(ex, submission, prepared, options, worker)
        out["one_run"].append(time.perf_counter() - start)
finally:
    worker.close()
print(json.dumps(out))
"""


BOX_RUN = PRELUDE + r"""
from grader.pipeline import read, splice
options = grade.Options(cases=sys.argv[4])
ex, case_list = grade.load_exercise(sys.argv[2], options)
item = expected.prepare(ex, case_list)[0]
source = splice.splice(ex.skeleton.read_text(), read.read(sys.argv[5]).text).source
shared = execute.shared_request(ex, source, options)
case = dict(execute.case_request(item.case, item.expected, options), inputs=list(item.inputs_npy()))
frames = [list(item.inputs_npy().values())]

def runs():
    # the worker's side alone, in a forked child: the box, one run per request
    if os.path.isdir(os.path.join(tree, "grader", "box")):
        from grader.box import worker as box_worker
        settings = run.boot_settings(shared)
        box = box_worker.Box({"mode": settings["mode"], "helpers": settings["helpers"]})
        assert "ready" in box.start()
        request = dict({k: v for k, v in shared.items() if k != "sandbox"}, cases=[case])
        serve = lambda: box.run_cases(request, frames)
    else:
        from grader.pipeline import sandbox
        from grader import worker as box_worker
        box_worker._SCRATCH = tempfile.mkdtemp(prefix="judge-parts-")
        os.chmod(box_worker._SCRATCH, 0o711)
        sandbox.become_subreaper()
        request = dict(shared, cases=[case])
        serve = lambda: box_worker.run_cases(request, frames)
    answer, cleared = [], []
    for i in range(samples + 1):
        start = time.perf_counter()
        answers = serve()
        envelope = next(answers)[0]
        first = time.perf_counter() - start
        assert envelope["state"] == "exited" and envelope.get("exit_code") == 0, envelope
        for _ in answers:
            pass
        if i:                                     # the first builds the baseline's box
            answer.append(first)
            cleared.append(time.perf_counter() - start)
    return [answer, cleared]

out["run_answer"], out["run_cleared"] = in_child(runs)
print(json.dumps(out))
"""


def script(code, tree, samples, *more, env=None, cwd=None):
    done = subprocess.run([sys.executable, "-c", code, str(tree), bench.EXERCISE, str(samples)]
                          + [str(m) for m in more], capture_output=True, text=True, env=env, cwd=cwd)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=bench.BASELINE, metavar="REF")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bench.BaselineTree.resolve(args.baseline)
    load = bench.background_load()
    seed = bench.SUBMISSIONS / "correct_seed.py"
    found = {"baseline": {}, "current": {}}

    def add(name, values):
        for key, times in values.items():
            found[name].setdefault(key, []).extend(times)

    with bench.BaselineTree(args.baseline) as baseline:
        trees = {"baseline": baseline.path, "current": bench.ROOT}
        cases = baseline.folder / "tiny.yaml"
        cases.write_text(TINY_CASES)
        envs = {name: dict(os.environ, JUDGE_CACHE_DIR=str(baseline.folder / f"cache-{name}"))
                for name in trees}
        per_round = max(1, args.samples // args.rounds)
        for i in range(args.rounds):
            for name in (("baseline", "current") if i % 2 == 0 else ("current", "baseline")):
                add(name, script(CURRENT if name == "current" else BASELINE, trees[name], per_round,
                                 env=envs[name], cwd=baseline.folder))
                add(name, script(ONE_RUN, trees[name], per_round * 4, cases, seed,
                                 env=envs[name], cwd=baseline.folder))
                add(name, script(BOX_RUN, trees[name], per_round * 4, cases, seed,
                                 env=envs[name], cwd=baseline.folder))
        title = baseline.title

    def ms(name, key):
        return statistics.median(found[name][key]) * 1000

    print(f"{bench.machine()}" + ("" if load is None else
                                  f"; {load:.0%} of the CPUs busy with other work in the 5 s before"))
    print(f"baseline: {title}; medians")
    print(f"this tree: worker started until its box is ready   {ms('current', 'worker_ready'):7.1f} ms")
    print(f"           python -I -c 'import numpy' (worker env) {ms('current', 'numpy_isolated'):7.1f} ms")
    print(f"           the box's start in the worker            {ms('current', 'box_start'):7.1f} ms")
    print(f"           of which the allow-list                  {ms('current', 'allow_list'):7.1f} ms")
    print(f"baseline:  worker started (a fork of the judge)     {ms('baseline', 'worker_fork'):7.1f} ms")
    print(f"           box built (again after a killed run)     {ms('baseline', 'box_build'):7.1f} ms")
    for key, what in (("run_answer", "one run of it in the box alone, until its answer"),
                      ("run_cleared", "the same, until the run has ended and the box is clear"),
                      ("one_run", "one warm grading of it, judge included")):
        a, b = ms("current", key), ms("baseline", key)
        print(f"one-case submission, {what}: this tree {a:.1f} ms, baseline {b:.1f} ms, {a / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
