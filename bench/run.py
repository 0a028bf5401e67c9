"""The judge's benchmarks, each measured side by side with its baseline in one run.

    python bench/run.py                 # all five, 200 submissions
    python bench/run.py --singles 50    # time 50 single gradings and scale to 200
    python bench/run.py --markdown      # print the results as a RESULTS.md table
    python bench/run.py --baseline REF  # compare the box with the one at REF (default d5254a2)
    python bench/run.py --no-baseline   # only 1-4
    python bench/run.py --baseline-only # only 5

1. one `judge grade` of a correct submission vs `python -c "import numpy"`
   (the floor for a judge that runs student code in a separate process);
2. `judge batch` of 200 submissions (correct, wrong, a few that time out) vs
   200 single `judge grade` calls, and the cost per submission beyond the
   students' own compute time;
3. the shipped im2col/col2im vs the book's loop version (bench/im2col_bench.py);
4. the peak memory of the judge process during the batch;
5. the box of this tree vs the box of a baseline commit (default ``d5254a2``,
   the last one before the allow-list box), both checked out side by side (the
   baseline in a temporary git worktree), measured alternately in one run with
   the same interpreter: one `judge grade`; `judge batch -j 2` of the same 200
   submissions (whose verdicts must be identical in both trees) and its cost
   per submission beyond the students' own compute; a warm worker grading the
   same file again and again in one process; the first grading on a fresh
   worker; and a grading right after a run that was killed at its time limit.
"""

import argparse
import csv
import io
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "exercises" / "lib"), str(ROOT / "tests")]
JUDGE = [sys.executable, str(ROOT / "judge.py")]
SUBMISSIONS = ROOT / "tests" / "submissions" / "conv_backward"
EXERCISE = "conv_backward"
TIME_LIMIT = "1"
SLOW = 4          # submissions that time out (on the realistic case only)
BASELINE = "d5254a2"   # the last commit before the allow-list box (grader/worker.py, grader/channel.py)
BASELINE_JOBS = 2


def wall(command, **kwargs):
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - start, done


def slow_source():
    """The seed answer, made to sleep on the realistic case (the only one with N = 8)."""
    seed = (SUBMISSIONS / "correct_seed.py").read_text()
    slow = seed.replace("########## Begin ##########\n",
                        "########## Begin ##########\n"
                        "        if dout.shape[0] == 8:\n"
                        "            import time\n"
                        "            time.sleep(60)\n", 1)
    assert slow != seed
    return slow


def make_class(folder, count):
    """``count`` submissions: every shipped correct and wrong variant in turn, plus slow ones."""
    variants = sorted(SUBMISSIONS.glob("correct_*.py")) + sorted(SUBMISSIONS.glob("wrong_*.py"))
    slow = slow_source()
    for i in range(count - SLOW):
        shutil.copy(variants[i % len(variants)], folder / f"s{i:03d}_{variants[i % len(variants)].stem}.py")
    for i in range(SLOW):
        (folder / f"s{count - SLOW + i:03d}_slow.py").write_text(slow)
    return sorted(folder.glob("*.py"))


def bench_single(repeats):
    seed = str(SUBMISSIONS / "correct_seed.py")
    numpy_times, grade_times = [], []
    subprocess.run(JUDGE + ["grade", seed, "-e", EXERCISE], capture_output=True)   # warm the cache
    for _ in range(repeats):
        numpy_times.append(wall([sys.executable, "-c", "import numpy"])[0])
        t, done = wall(JUDGE + ["grade", seed, "-e", EXERCISE])
        assert done.returncode == 0, done.stdout + done.stderr
        grade_times.append(t)
    a, b = statistics.median(grade_times), statistics.median(numpy_times)
    return {"grade_s": a, "numpy_s": b, "ratio": a / b}


def student_compute(files):
    """Seconds the submissions' own forward+backward take, run in this process."""
    from grader.declare import cases, exercise, inputs
    from grader.pipeline import splice
    from grader.box import drive
    ex = exercise.load(EXERCISE)
    case_list = cases.load(ex)
    drawn = [inputs.draw(ex, case) for case in case_list]
    skeleton = ex.skeleton.read_text()
    total = 0.0
    for path in files:
        if path.stem.endswith("_slow"):
            total += float(TIME_LIMIT)          # it waits out its limit on one case
            source = (SUBMISSIONS / "correct_seed.py").read_text()
        else:
            source = path.read_text()
        module = types.ModuleType("submission")
        exec(compile(splice.splice(skeleton, source).source, str(path), "exec"), module.__dict__)
        cls = getattr(module, ex.class_name)
        for case, arrays in zip(case_list, drawn):
            names = dict(case.params)
            names.update({k: v.copy() for k, v in arrays.items()})
            start = time.perf_counter()
            try:
                drive.drive(cls, drive.plan(ex), names)
            except drive.StepFailed:
                pass
            total += time.perf_counter() - start
    return total


def bench_batch(count, singles, jobs):
    folder = Path(tempfile.mkdtemp(prefix="judge-bench-"))
    try:
        files = make_class(folder, count)
        out = folder / "grades.csv"
        command = ["/usr/bin/time", "-f", "%M"] + JUDGE + [
            "batch", str(folder), "-e", EXERCISE, "--time-limit", TIME_LIMIT, "-o", str(out)]
        if jobs:
            command += ["-j", str(jobs)]
        batch_s, done = wall(command)
        assert done.returncode == 0, done.stderr
        peak_kb = int(done.stderr.strip().splitlines()[-1])
        batch_verdicts = {row["student"]: row["verdict"] for row in csv.DictReader(io.StringIO(out.read_text()))}
        sample = files if singles >= count else files[:: max(1, count // singles)][:singles]
        single_s, mismatches = 0.0, []
        for path in sample:
            t, done = wall(JUDGE + ["grade", str(path), "-e", EXERCISE, "--time-limit", TIME_LIMIT,
                                    "--format", "json"])
            single_s += t
            verdict = json.loads(done.stdout)["verdict"]
            if verdict != batch_verdicts[path.stem]:
                mismatches.append((path.stem, verdict, batch_verdicts[path.stem]))
        singles_total = single_s * count / len(sample)
        compute = student_compute(files)
        workers = jobs or len(os.sched_getaffinity(0))
        overhead_ms = (batch_s * workers - compute) / count * 1000
        verdicts = {}
        for v in batch_verdicts.values():
            verdicts[v] = verdicts.get(v, 0) + 1
        return {"count": count, "batch_s": batch_s, "singles_s": singles_total, "sampled": len(sample),
                "speedup": singles_total / batch_s, "compute_s": compute, "workers": workers,
                "overhead_ms": overhead_ms, "peak_mb": peak_kb / 1024, "verdicts": verdicts,
                "mismatches": mismatches}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- 5. the box vs a baseline commit

# Run in a fresh interpreter with one tree first on sys.path, so that each tree
# grades with its own modules (grader/worker.py and grader/channel.py at the
# baseline, grader/box/ now). Prints one JSON line.
WARM_SCRIPT = r"""
import json, os, sys, time
tree, seed, slow, exercise_id, count, kills, limit = sys.argv[1:8]
sys.path.insert(0, tree)
import grader
here = os.path.realpath(grader.__file__)
assert here.startswith(os.path.realpath(tree) + os.sep), here
from grader.pipeline import grade, run
options = grade.Options()
start = time.perf_counter()
worker = run.Worker().start()
try:
    verdicts = [grade.grade(seed, exercise_id, options, worker=worker).verdict.name]
    first = time.perf_counter() - start
    warm = []
    for _ in range(int(count)):
        start = time.perf_counter()
        verdicts.append(grade.grade(seed, exercise_id, options, worker=worker).verdict.name)
        warm.append(time.perf_counter() - start)
    killed, after = [], []
    for _ in range(int(kills)):
        start = time.perf_counter()
        report = grade.grade(slow, exercise_id, grade.Options(time_limit=float(limit)), worker=worker)
        killed.append(time.perf_counter() - start)
        timed_out = [c.verdict.name for c in report.cases if c.verdict.name != "AC"]
        assert timed_out == ["TLE"], timed_out
        start = time.perf_counter()
        verdicts.append(grade.grade(seed, exercise_id, options, worker=worker).verdict.name)
        after.append(time.perf_counter() - start)
finally:
    worker.close()
print(json.dumps({"module": here, "first_s": first, "warm_s": warm, "killed_s": killed,
                  "after_kill_s": after, "verdicts": verdicts}))
"""


class BaselineTree:
    """``ref`` checked out into a temporary git worktree, removed on exit, also
    after a failure or SIGTERM."""

    def __init__(self, ref):
        self.ref = ref
        self.folder = None
        self.path = None
        self.commit = None

    @staticmethod
    def resolve(ref):
        """The full commit id of ``ref``; exits with a usage message when there is none."""
        found = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if found.returncode != 0:
            raise SystemExit(f"--baseline {ref}: no such commit in {ROOT}")
        return found.stdout.strip()

    def __enter__(self):
        git = _git
        self.commit = self.resolve(self.ref)
        self.title = git("log", "-1", "--format=%h %s", self.commit).stdout.strip()
        self.folder = Path(tempfile.mkdtemp(prefix="judge-baseline-"))
        self.path = self.folder / "tree"
        self._term = signal.signal(signal.SIGTERM, _terminated)
        try:
            added = git("worktree", "add", "--detach", str(self.path), self.commit)
            if added.returncode != 0:
                raise SystemExit(f"git worktree add {self.ref}: {added.stderr.strip()}")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        try:
            if self.path is not None and self.path.exists():
                _git("worktree", "remove", "--force", str(self.path))
            _git("worktree", "prune")
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
        finally:
            signal.signal(signal.SIGTERM, self._term)


def _git(*args):
    return subprocess.run(["git", "-C", str(ROOT)] + list(args), capture_output=True, text=True)


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def _batch_rows(text):
    """{student: (verdict, score, each case's verdict by case name)} from a batch CSV."""
    rows = {}
    for row in csv.DictReader(io.StringIO(text)):
        per_case = tuple(sorted((k, v) for k, v in row.items()
                                if k not in ("student", "verdict", "score", "max_score")))
        rows[row["student"]] = (row["verdict"], row["score"], per_case)
    return rows


def _verdict_differences(a, b, name_a, name_b):
    """One line per student whose verdict, score or any case's verdict differs
    between two batch results, naming only what differs."""
    lines = []
    for student in sorted(set(a) | set(b)):
        if student not in a or student not in b:
            lines.append(f"{student}: only in {name_a if student in a else name_b}")
            continue
        if a[student] == b[student]:
            continue
        (va, sa, ca), (vb, sb, cb) = a[student], b[student]
        what = []
        if va != vb:
            what.append(f"verdict {va} vs {vb}")
        if sa != sb:
            what.append(f"score {sa} vs {sb}")
        cases_a, cases_b = dict(ca), dict(cb)
        for case in sorted(set(cases_a) | set(cases_b)):
            if cases_a.get(case) != cases_b.get(case):
                what.append(f"{case} {cases_a.get(case)} vs {cases_b.get(case)}")
        lines.append(f"{student} ({name_a} vs {name_b}): " + ", ".join(what))
    return lines


def bench_baseline(ref, repeats, rounds, warm_count, count):
    """The box of this tree vs the one at ``ref``, measured alternately in one run."""
    with BaselineTree(ref) as baseline:
        trees = {"baseline": baseline.path, "current": ROOT}
        scratch = baseline.folder
        envs = {}
        for name in trees:
            env = dict(os.environ)
            env["JUDGE_CACHE_DIR"] = str(scratch / f"cache-{name}")     # each tree its own cache
            env.pop("PYTHONPATH", None)
            envs[name] = env

        def order(i):                         # alternate which tree goes first
            return ("baseline", "current") if i % 2 == 0 else ("current", "baseline")

        def judge(name, *args):
            return [sys.executable, str(trees[name] / "judge.py")] + list(args)

        seed = str(SUBMISSIONS / "correct_seed.py")
        slow = scratch / "slow.py"
        slow.write_text(slow_source())
        for name in trees:                    # warm each tree's cache and page cache
            done = subprocess.run(judge(name, "grade", seed, "-e", EXERCISE), capture_output=True,
                                  text=True, env=envs[name], cwd=scratch)
            assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"

        # (a) one `judge grade` of the seed answer
        single = {name: [] for name in trees}
        for i in range(repeats):
            for name in order(i):
                t, done = wall(judge(name, "grade", seed, "-e", EXERCISE), env=envs[name], cwd=scratch)
                assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
                single[name].append(t)

        # (b) `judge batch -j 2` of the class, verdicts compared between the trees
        folder = scratch / "class"
        folder.mkdir()
        files = make_class(folder, count)
        batch = {name: [] for name in trees}
        results = {name: [] for name in trees}
        for i in range(rounds):
            for name in order(i):
                out = scratch / f"grades-{name}-{i}.csv"
                t, done = wall(judge(name, "batch", str(folder), "-e", EXERCISE, "--time-limit", TIME_LIMIT,
                                     "-j", str(BASELINE_JOBS), "-o", str(out)), env=envs[name], cwd=scratch)
                assert done.returncode == 0, f"{name}: {done.stderr}"
                batch[name].append(t)
                results[name].append(_batch_rows(out.read_text()))
        mismatches = []
        reference = results["baseline"][0]
        for name in trees:
            for i, rows in enumerate(results[name]):
                mismatches += _verdict_differences(reference, rows, "baseline batch 1",
                                                   f"{name} batch {i + 1}")
        verdicts = {}
        for verdict, _, _ in reference.values():
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
        compute = student_compute(files)

        # (c) warm grading in one process, (d) first grading, (e) grading after a killed run
        warm = {name: {"first_s": [], "warm_s": [], "killed_s": [], "after_kill_s": []} for name in trees}
        for i in range(rounds):
            for name in order(i):
                done = subprocess.run(
                    [sys.executable, "-c", WARM_SCRIPT, str(trees[name]), seed, str(slow), EXERCISE,
                     str(warm_count), "2", TIME_LIMIT],
                    capture_output=True, text=True, env=envs[name], cwd=scratch)
                assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
                found = json.loads(done.stdout.strip().splitlines()[-1])
                assert set(found["verdicts"]) == {"AC"}, f"{name}: {found['verdicts']}"
                warm[name]["first_s"].append(found["first_s"])
                for key in ("warm_s", "killed_s", "after_kill_s"):
                    warm[name][key] += found[key]

    med = statistics.median
    out = {"ref": ref, "title": baseline.title, "repeats": repeats, "rounds": rounds,
           "warm_count": warm_count, "count": count, "jobs": BASELINE_JOBS, "compute_s": compute,
           "verdicts": verdicts, "mismatches": mismatches}
    for name in trees:
        batch_s = med(batch[name])
        out[name] = {
            "grade_s": med(single[name]),
            "batch_s": batch_s, "batches_s": batch[name],
            "overhead_ms": (batch_s * BASELINE_JOBS - compute) / count * 1000,
            "warm_ms": med(warm[name]["warm_s"]) * 1000,
            "warm_samples": len(warm[name]["warm_s"]),
            "first_ms": med(warm[name]["first_s"]) * 1000,
            "after_kill_ms": med(warm[name]["after_kill_s"]) * 1000,
            "after_kill_samples": len(warm[name]["after_kill_s"]),
        }
    return out


def baseline_rows(b):
    new, old = b["current"], b["baseline"]
    ref = f"`{b['ref']}`"

    def pair(key, unit, scale=1.0, digits=0):
        a, z = new[key] * scale, old[key] * scale
        return f"{a:.{digits}f} {unit} vs {z:.{digits}f} {unit}", f"{a / z:.2f}x"

    rows = []
    m, r = pair("grade_s", "ms", 1000)
    rows.append((f"5a. one `judge grade`, this box vs {ref}", f"{m} (medians of {b['repeats']})", r, "-"))
    m, r = pair("batch_s", "s", digits=1)
    same = "verdicts identical" if not b["mismatches"] else f"{len(b['mismatches'])} VERDICTS DIFFER"
    spread = " vs ".join(f"{min(t['batches_s']):.1f}-{max(t['batches_s']):.1f} s" for t in (new, old))
    rows.append((f"5b. `judge batch -j {b['jobs']}` of {b['count']}, this box vs {ref}",
                 f"{m} (medians of {b['rounds']}, ranges {spread}; {same})", r, "-"))
    m, r = pair("overhead_ms", "ms", digits=1)
    rows.append((f"5c. cost per submission beyond the students' own compute, this box vs {ref}",
                 f"{m} ((batch x {b['jobs']} - {b['compute_s']:.2f} s) / {b['count']})", r, "-"))
    m, r = pair("warm_ms", "ms", digits=1)
    rows.append((f"5d. warm grading per submission, one worker in process, this box vs {ref}",
                 f"{m} (medians of {new['warm_samples']})", r, "-"))
    m, r = pair("first_ms", "ms")
    rows.append((f"5e. first grading in a process, worker start included, this box vs {ref}",
                 f"{m} (medians of {b['rounds']})", r, "-"))
    m, r = pair("after_kill_ms", "ms", digits=1)
    rows.append((f"5f. grading right after a run killed at its time limit, this box vs {ref}",
                 f"{m} (medians of {new['after_kill_samples']})", r, "-"))
    return rows


def bench_im2col():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "im2col_bench.py")],
                          capture_output=True, text=True)
    both = [line for line in done.stdout.splitlines() if line.startswith("both")][0]
    same = "identical" in done.stdout
    return {"ratio": float(both.split()[-1].rstrip("x")), "identical": same, "text": done.stdout.strip()}


def background_load(seconds=5.0):
    """Share of the machine's CPU time busy over ``seconds`` while this benchmark
    waits: other work that competes with every figure below (None off Linux)."""
    def snapshot():
        with open("/proc/stat") as handle:
            ticks = [int(v) for v in handle.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]           # all, idle + iowait
    try:
        total, idle = snapshot()
        time.sleep(seconds)
        total2, idle2 = snapshot()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle2 - idle) / max(1, total2 - total)


def machine():
    import numpy
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, {platform.system()} {platform.release()}")


def main_rows(single, batch, im2col):
    return [
        ("1. one `judge grade` vs `python -c \"import numpy\"`",
         f"{single['grade_s'] * 1000:.0f} ms vs {single['numpy_s'] * 1000:.0f} ms",
         f"{single['ratio']:.2f}x", "<= 1.5x"),
        (f"2a. `judge batch` of {batch['count']} vs {batch['count']} single `judge grade`",
         f"{batch['batch_s']:.1f} s vs {batch['singles_s']:.1f} s"
         + (f" ({batch['sampled']} timed, scaled)" if batch["sampled"] < batch["count"] else ""),
         f"{batch['speedup']:.1f}x faster", ">= 20x"),
        ("2b. cost per submission beyond the students' own compute",
         f"({batch['batch_s']:.2f} s x {batch['workers']} workers - {batch['compute_s']:.2f} s) / {batch['count']}",
         f"{batch['overhead_ms']:.1f} ms", "<= 10 ms"),
        ("3. im2col+col2im vs the book's, (32, 64, 32, 32), 3x3, pad 1",
         "identical to 1e-12" if im2col["identical"] else "MISMATCH",
         f"{im2col['ratio']:.2f}x faster", ">= 1.3x"),
        ("4. peak memory of the judge process during the batch", "max RSS",
         f"{batch['peak_mb']:.0f} MB", "-"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--singles", type=int, default=200,
                        help="how many single gradings to time (scaled to --count)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--baseline", default=BASELINE, metavar="REF",
                        help=f"the commit whose box benchmark 5 compares with (default {BASELINE})")
    parser.add_argument("--no-baseline", action="store_true", help="skip benchmark 5")
    parser.add_argument("--baseline-only", action="store_true", help="run benchmark 5 alone")
    parser.add_argument("--rounds", type=int, default=5,
                        help="benchmark 5: batches and in-process rounds per tree")
    parser.add_argument("--warm", type=int, default=30,
                        help="benchmark 5: warm gradings per in-process round")
    args = parser.parse_args()
    if args.no_baseline and args.baseline_only:
        parser.error("--no-baseline and --baseline-only exclude each other")
    if not args.no_baseline:
        BaselineTree.resolve(args.baseline)       # a wrong REF fails now, not after 1-4

    load = background_load()
    rows, failed = [], False
    batch = im2col = base = None
    if not args.baseline_only:
        single = bench_single(args.repeats)
        batch = bench_batch(args.count, args.singles, args.jobs)
        im2col = bench_im2col()
        rows += main_rows(single, batch, im2col)
        failed = bool(batch["mismatches"]) or not im2col["identical"]
    if not args.no_baseline:
        base = bench_baseline(args.baseline, args.repeats, args.rounds, args.warm, args.count)
        rows += baseline_rows(base)
        failed = failed or bool(base["mismatches"])
    busy = "" if load is None else f"; {load:.0%} of the CPUs busy with other work in the 5 s before"
    if args.markdown:
        print(f"Machine: {machine()}{busy}\n")
        print("| benchmark | measured | result | target |\n| --- | --- | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        print(machine() + busy)
        for name, measured, result, target in rows:
            print(f"{name}\n    {measured}: {result} (target {target})")
    if batch is not None:
        print(f"\nbatch verdicts: {batch['verdicts']}; verdicts differing from single grading: "
              f"{batch['mismatches'] or 'none'}")
        print(im2col["text"])
    if base is not None:
        print(f"\nbaseline: {base['title']}")
        for name in ("baseline", "current"):
            print(f"{name} batches: " + ", ".join(f"{t:.2f} s" for t in base[name]["batches_s"]))
        paired = [c / b for b, c in zip(base["baseline"]["batches_s"], base["current"]["batches_s"])]
        print("batch ratios new/baseline, round by round: " + ", ".join(f"{r:.2f}x" for r in paired)
              + f" (median {statistics.median(paired):.2f}x)")
        print(f"batch verdicts in both trees: {base['verdicts']}; differing between the trees: "
              + ("none" if not base["mismatches"] else f"{len(base['mismatches'])}"))
        for line in base["mismatches"]:
            print("    " + line)
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
