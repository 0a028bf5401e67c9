"""``judge submit``: hand a file in to a ``judge serve`` and print its report
as ``judge grade`` prints it, case by case as the verdicts come.

Only the standard library is used here: a student needs no server extra.
"""

import json
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

from . import pipeline
from .queue import FAILED_MESSAGE as FAILED

EXIT_AC, EXIT_NOT_AC, EXIT_INTERNAL = 0, 1, 3
TIMEOUT = 60.0


class Api:
    def __init__(self, server, token):
        if not token:
            raise pipeline.JudgeError("no token: give --token TOKEN or set JUDGE_TOKEN (your "
                                      "instructor gives you one)")
        parsed = urllib.parse.urlparse(server)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise pipeline.JudgeError(f"{server}: not a server address; give one such as "
                                      f"http://127.0.0.1:8000")
        self.base = server.rstrip("/")
        self.token = token

    def open(self, method, path, body=None, headers=None):
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers={"Authorization": f"Bearer {self.token}",
                                                  **(headers or {})})
        try:
            return urllib.request.urlopen(request, timeout=TIMEOUT)
        except urllib.error.HTTPError as err:
            try:
                message = json.loads(err.read())["error"]
            except Exception:  # noqa: BLE001 - not the service's own answer
                message = f"HTTP {err.code} {err.reason}"
            if err.code >= 500:
                raise pipeline.InternalError(f"{self.base}: {message}") from None
            raise pipeline.JudgeError(message) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise pipeline.JudgeError(f"{self.base}: cannot reach the judge ({reason}); check "
                                      f"--server and that `judge serve` is running") from None

    def json(self, method, path, body=None, headers=None):
        with self.open(method, path, body, headers) as response:
            return json.loads(response.read())


def _multipart(fields, file_field, filename, content):
    boundary = "----dl-judge-" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + value.encode("utf-8", "surrogateescape") + b"\r\n")
    safe = os.path.basename(filename).replace('"', "_")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                 f'filename="{safe}"\r\nContent-Type: text/x-python\r\n\r\n'.encode("utf-8", "replace")
                 + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def events(response):
    """(event, data) pairs from a text/event-stream response."""
    name, data = None, []
    for raw in response:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if data:
                yield name or "message", json.loads("\n".join(data))
            name, data = None, []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def case_line(case, width, colour):
    """A case's line exactly as ``judge grade`` prints it among cases whose
    longest shown name is ``width`` characters."""
    one = pipeline.Report("x", "x", [case])
    line = pipeline.to_text(one, colour=colour).split("\n")[1]
    start = line.index(case.name, line.index(str(case.verdict)) + len(str(case.verdict)))
    return line[:start] + f"{case.name:<{width}}" + line[start + len(case.name):]


def _case(data):
    one = pipeline.from_dict({"exercise": "x", "submission": "x", "verdict": data["verdict"],
                              "notes": [], "compile_error": None, "cases": [data]})
    return one.cases[0]


def submit(path, exercise_id, server, token, out=None):
    out = out or sys.stdout
    colour = pipeline.use_colour(out)
    api = Api(server, token)
    if not os.path.isfile(path):
        raise pipeline.JudgeError(f"{pipeline.inert(path)}: no such file; give your .py file")
    with open(path, "rb") as handle:
        content = handle.read(pipeline.MAX_BYTES + 1)
    info = api.json("GET", f"/api/v1/exercises/{urllib.parse.quote(exercise_id)}")
    width = max((len(name) for name in info.get("case_names", [])), default=4)
    label = pipeline.inert(str(path))
    body, kind = _multipart({"exercise": exercise_id, "name": str(path)}, "file", str(path), content)
    created = api.json("POST", "/api/v1/submissions", body,
                       {"Content-Type": kind, "Idempotency-Key": secrets.token_urlsafe(16)})
    print(f"{exercise_id}: {label}", file=out, flush=True)
    printed, waiting, final = [], {}, None
    with api.open("GET", f"/api/v1/submissions/{created['id']}/events",
                  headers={"Accept": "text/event-stream"}) as response:
        for name, data in events(response):
            if name == "case":                   # printed in the cases' order, as judge grade does
                waiting[data["index"]] = _case(data)
                while len(printed) in waiting:
                    case = waiting.pop(len(printed))
                    width = max(width, len(case.name))
                    line = case_line(case, width, colour)
                    printed.append(line)
                    print(line, file=out, flush=True)
            elif name == "restart":
                printed, waiting = [], {}
                print("note: the judge is grading this submission again from the first case",
                      file=out, flush=True)
            elif name == "done":
                final = data
                break
    if final is None:
        raise pipeline.InternalError("the server ended the stream before the verdict; see "
                                     f"{api.base}/submissions/{created['id']}")
    if final["status"] == "failed" or not final.get("report"):
        print(f"Result: {FAILED} (see {api.base}/submissions/{created['id']})", file=out)
        return EXIT_INTERNAL
    report = pipeline.from_dict(dict(final["report"], submission=label))
    lines = pipeline.to_text(report, colour=colour).split("\n")
    rest = lines[1 + len(printed):] if lines[1:1 + len(printed)] == printed else lines[1:]
    for line in rest:
        print(line, file=out)
    out.flush()
    verdict = str(report.verdict)
    if verdict == "IE":
        return EXIT_INTERNAL
    return EXIT_AC if verdict == "AC" else EXIT_NOT_AC
