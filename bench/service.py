"""The service under load, against `judge batch` on the same files.

    python bench/service.py                 # every file of tests/submissions, 2 judges
    python bench/service.py --jobs 2 --rounds 3 --markdown

A temporary data folder gets one student per file; `judge serve --jobs N`
runs on a free port of 127.0.0.1; every file is POSTed at once (one client
thread each, following its submission's event stream); measured: the
submissions per minute from the first POST to the last verdict, and for each
submission the time from its POST to its first case's verdict and to its
last (p50, p95). Then `judge batch --jobs N` grades the same files (one run
per exercise, as a class would) and its submissions per minute are shown
beside. The verdicts of both must agree.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEQUENTIAL = 24                 # submissions timed one at a time, on an idle service
JUDGE = "import sys; sys.argv[0] = 'judge'; from grader.cli import main; main()"


def judge(*args, **kwargs):
    return subprocess.run([sys.executable, "-c", JUDGE, *args], capture_output=True, text=True,
                          cwd=ROOT, **kwargs)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def one_service_round(files, jobs):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        roster = Path(tmp) / "roster.csv"
        roster.write_text("name\n" + "".join(f"s{i:03d}\n" for i in range(len(files))))
        out = judge("users", "import", str(roster), "-o", str(Path(tmp) / "tokens.csv"),
                    "--data", str(folder))
        assert out.returncode == 0, out.stderr
        tokens = [line.split(",")[1] for line in
                  (Path(tmp) / "tokens.csv").read_text().strip().split("\n")[1:]]
        server = subprocess.Popen([sys.executable, "-c", JUDGE, "serve", "--port", "0", "--data",
                                   str(folder), "--jobs", str(jobs)], cwd=ROOT,
                                  stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                  start_new_session=True)
        try:
            url = re.search(r"(http://[\d.]+:\d+)", server.stderr.readline()).group(1)
            time.sleep(1.0)                                 # the judges start their workers
            results = [None] * len(files)
            barrier = threading.Barrier(len(files) + 1)

            def client(index, wait=True):
                path, token = files[index], tokens[index]
                body = json.dumps({"exercise": path.parent.name, "source": path.read_text(),
                                   "filename": path.name}).encode()
                headers = {"Authorization": f"Bearer {token}"}
                if wait:
                    barrier.wait()
                posted = time.monotonic()
                request = urllib.request.Request(url + "/api/v1/submissions", data=body,
                                                 headers={**headers, "Content-Type": "application/json"})
                made = json.loads(urllib.request.urlopen(request, timeout=120).read())["id"]
                first = last = None
                verdict = None
                stream = urllib.request.Request(f"{url}/api/v1/submissions/{made}/events",
                                                headers=headers)
                event = None
                with urllib.request.urlopen(stream, timeout=300) as response:
                    for raw in response:
                        line = raw.decode().rstrip("\n")
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "case" and first is None:
                            first = time.monotonic()
                        elif line.startswith("data: ") and event == "done":
                            last = time.monotonic()
                            data = json.loads(line[6:])
                            verdict = (data["verdict"], data["score"])
                            break
                results[index] = (posted, (first or last) - posted, last - posted, last, verdict)

            threads = [threading.Thread(target=client, args=(i,)) for i in range(len(files))]
            for thread in threads:
                thread.start()
            barrier.wait()
            start = time.monotonic()
            for thread in threads:
                thread.join()
            wall = max(r[3] for r in results) - start
            burst = list(results)
            for index in range(0, len(files), max(1, len(files) // SEQUENTIAL)):
                client(index, wait=False)                   # one at a time: an idle service
            alone = [results[i] for i in range(0, len(files), max(1, len(files) // SEQUENTIAL))]
            results = burst
            return {"wall": wall, "first": [r[1] for r in results], "last": [r[2] for r in results],
                    "alone_first": [r[1] for r in alone], "alone_last": [r[2] for r in alone],
                    "verdicts": {str(files[i].relative_to(ROOT)): results[i][4] for i in range(len(files))}}
        finally:
            server.terminate()
            server.wait(30)


def one_batch_round(files, jobs):
    verdicts, started = {}, time.monotonic()
    for exercise in sorted({p.parent.name for p in files}):
        mine = [p for p in files if p.parent.name == exercise]
        out = judge("batch", *map(str, mine), "-e", exercise, "--format", "json", "--jobs", str(jobs))
        assert out.returncode == 0, out.stderr
        by_student = {s["student"]: (s["verdict"], s["score"])
                      for s in json.loads(out.stdout)["submissions"]}
        verdicts.update({str(p.relative_to(ROOT)): by_student[p.stem] for p in mine})
    return {"wall": time.monotonic() - started, "verdicts": verdicts}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    files = sorted((ROOT / "tests" / "submissions").glob("*/*.py"))
    service, batch = [], []
    for _ in range(args.rounds):
        service.append(one_service_round(files, args.jobs))
        batch.append(one_batch_round(files, args.jobs))
        assert service[-1]["verdicts"] == batch[-1]["verdicts"], "the service and judge batch disagree"
    n = len(files)
    rate = [60 * n / r["wall"] for r in service]
    batch_rate = [60 * n / r["wall"] for r in batch]
    first = [x for r in service for x in r["first"]]
    last = [x for r in service for x in r["last"]]
    alone_first = [x for r in service for x in r["alone_first"]]
    alone_last = [x for r in service for x in r["alone_last"]]
    rows = [
        ("submissions per minute, service (POST to last verdict)",
         f"{statistics.median(rate):.0f} (rounds: {', '.join(f'{x:.0f}' for x in rate)})"),
        ("submissions per minute, `judge batch` (6 runs, one per exercise)",
         f"{statistics.median(batch_rate):.0f} (rounds: {', '.join(f'{x:.0f}' for x in batch_rate)})"),
        ("one at a time: POST -> first case's verdict, p50 / p95",
         f"{percentile(alone_first, .5) * 1000:.0f} ms / {percentile(alone_first, .95) * 1000:.0f} ms"),
        ("one at a time: POST -> last case's verdict, p50 / p95",
         f"{percentile(alone_last, .5) * 1000:.0f} ms / {percentile(alone_last, .95) * 1000:.0f} ms"),
        (f"all {n} at once: POST -> first case's verdict, p50 / p95", f"{percentile(first, .5) * 1000:.0f} ms / "
                                                   f"{percentile(first, .95) * 1000:.0f} ms"),
        (f"all {n} at once: POST -> last case's verdict, p50 / p95", f"{percentile(last, .5) * 1000:.0f} ms / "
                                                  f"{percentile(last, .95) * 1000:.0f} ms"),
    ]
    if args.markdown:
        print(f"{n} submissions (every file of tests/submissions), {args.jobs} judge processes, "
              f"{args.rounds} rounds; verdicts identical to `judge batch` in every round\n")
        print("| measure | result |\n| --- | --- |")
        for name, value in rows:
            print(f"| {name} | {value} |")
    else:
        for name, value in rows:
            print(f"{name}: {value}")


if __name__ == "__main__":
    main()
