"""The judge's benchmarks, each measured side by side with its baseline in one run.

    python bench/run.py                 # all four, 200 submissions
    python bench/run.py --singles 50    # time 50 single gradings and scale to 200
    python bench/run.py --markdown      # print the results as a RESULTS.md table

1. one `judge grade` of a correct submission vs `python -c "import numpy"`
   (the floor for a judge that runs student code in a separate process);
2. `judge batch` of 200 submissions (correct, wrong, a few that time out) vs
   200 single `judge grade` calls, and the cost per submission beyond the
   students' own compute time;
3. the shipped im2col/col2im vs the book's loop version (bench/im2col_bench.py);
4. the peak memory of the judge process during the batch.
"""

import argparse
import csv
import io
import json
import os
import platform
import shutil
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


def wall(command, **kwargs):
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - start, done


def make_class(folder, count):
    """``count`` submissions: every shipped correct and wrong variant in turn, plus slow ones."""
    variants = sorted(SUBMISSIONS.glob("correct_*.py")) + sorted(SUBMISSIONS.glob("wrong_*.py"))
    seed = (SUBMISSIONS / "correct_seed.py").read_text()
    slow = seed.replace("########## Begin ##########\n",
                        "########## Begin ##########\n"
                        "        if dout.shape[0] == 8:\n"
                        "            import time\n"
                        "            time.sleep(60)\n", 1)
    assert slow != seed
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
    from grader import cases, exercise, inputs, splice
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


def bench_im2col():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "im2col_bench.py")],
                          capture_output=True, text=True)
    both = [line for line in done.stdout.splitlines() if line.startswith("both")][0]
    same = "identical" in done.stdout
    return {"ratio": float(both.split()[-1].rstrip("x")), "identical": same, "text": done.stdout.strip()}


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--singles", type=int, default=200,
                        help="how many single gradings to time (scaled to --count)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    single = bench_single(args.repeats)
    batch = bench_batch(args.count, args.singles, args.jobs)
    im2col = bench_im2col()
    rows = [
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
    if args.markdown:
        print(f"Machine: {machine()}\n")
        print("| benchmark | measured | result | target |\n| --- | --- | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        print(machine())
        for name, measured, result, target in rows:
            print(f"{name}\n    {measured}: {result} (target {target})")
    print(f"\nbatch verdicts: {batch['verdicts']}; verdicts differing from single grading: "
          f"{batch['mismatches'] or 'none'}")
    print(im2col["text"])
    return 1 if batch["mismatches"] or not im2col["identical"] else 0


if __name__ == "__main__":
    sys.exit(main())
