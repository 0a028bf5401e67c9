"""The whole path of one submission: read -> splice -> run (sandboxed) -> compare -> report.

``grade()`` never raises for anything a submission does; problems with the
judge's own inputs (unknown exercise, broken case file) raise JudgeError
before any grading starts.
"""

import os
import signal
from dataclasses import dataclass


from . import cases as case_files
from . import cache, compare, expected, exercise, hints, inputs, read, run, sandbox, splice
from .box import limits as box_limits, wire as channel
from .errors import InternalError, JudgeError
from .run import Worker, WorkerLost
from .verdict import CaseResult, Report, Verdict

OUTPUT_LIMIT = 1 << 20          # bytes a case may print before it is OLE
OUTPUT_LINES = 12               # lines of printed output shown on a public case
MLE_MARGIN = 0.9                # a crash above this share of the memory limit counts as MLE


@dataclass
class Options:
    cases: str = None
    time_limit: float = None
    memory_limit: int = None
    use_cache: bool = True
    hints: bool = True          # name known mistakes on public cases (grader.hints)
    sandbox: str = None         # auto | strict | off; None: JUDGE_SANDBOX or auto (grader.sandbox)


@dataclass
class Prepared:
    """What the judge knows about a case before running anything."""
    case: object
    arrays: dict
    expected: dict
    encoded: dict = None        # the inputs as npy bytes, made once for every submission

    def inputs_npy(self):
        if self.encoded is None:
            self.encoded = {name: channel.encode_array(a) for name, a in self.arrays.items()}
        return self.encoded


def prepare(ex, case_list, use_cache=True):
    """Inputs and expected results of every case, computed once per case set."""
    cached = cache.load(ex, case_list) if use_cache else None
    drawn = [inputs.draw(ex, case) for case in case_list]
    if cached is None:
        cls = expected.reference_class(ex)
        cached = [expected.compute(ex, case, arrays, cls) for case, arrays in zip(case_list, drawn)]
        if use_cache:
            cache.store(ex, case_list, cached)
    else:
        run.secrets_loaded()
    return [Prepared(case, arrays, found) for case, arrays, found in zip(case_list, drawn, cached)]


def load_exercise(exercise_id, options):
    ex = exercise.load(exercise_id)
    if not ex.skeleton.is_file():
        raise JudgeError(f"{ex.skeleton}: the skeleton of {ex.id} is missing")
    if not ex.reference.is_file():
        raise JudgeError(f"{ex.reference}: the reference of {ex.id} is missing; "
                         f"write the skeleton filled in correctly there")
    return ex, case_files.load(ex, options.cases)


def ready(exercise_id, options, worker):
    """Load the exercise and its cases, let ``worker`` (started before any
    reference is loaded) build its sandbox meanwhile, and prepare every case."""
    ex, case_list = load_exercise(exercise_id, options)
    worker.warm(shared_request(ex, "", options))
    return ex, prepare(ex, case_list, options.use_cache)


def grade(path, exercise_id, options=None, worker=None):
    """Grade one file; return a Report."""
    options = options or Options()
    own_worker = worker is None
    if own_worker:
        worker = Worker().start()       # forked before the judge loads any reference
    try:
        ex, prepared = ready(exercise_id, options, worker)
        return grade_text(ex, read.read(path), prepared, options, worker)
    finally:
        if own_worker:
            worker.close()


def grade_text(ex, submission, prepared, options, worker):
    label = submission.path
    if submission.problem:
        return _compile_error(ex, label, prepared, submission.problem)
    skeleton = ex.skeleton.read_text(encoding="utf-8")
    try:
        spliced = splice.splice(skeleton, submission.text, who=label)
    except splice.SpliceError as err:
        return _compile_error(ex, label, prepared, str(err))
    notes = []
    if spliced.outside_changes:
        notes.append(f"You changed lines {splice.describe_lines(spliced.outside_changes)} outside "
                     f"the Begin/End markers; those changes were ignored: only the code between "
                     f"the markers is graded.")
    student_lines = submission.text.split("\n")
    shared = shared_request(ex, spliced.source, options)
    # Public cases run first, in runs of their own: what they print is shown,
    # so no hidden case's parameters or inputs may be in that process.
    # A run's address-space limit is fixed once it starts: cases with another
    # memory limit get a run of their own.
    groups = {}
    for index, item in enumerate(prepared):
        memory = options.memory_limit or item.case.memory_limit
        groups.setdefault((not item.case.public, memory), []).append(index)
    outcomes, compile_error = {}, None
    for _, group in sorted(groups.items()):
        if compile_error is not None:
            continue
        cases = [(_case_request(prepared[i].case, prepared[i].expected, options),
                  prepared[i].inputs_npy()) for i in group]
        for index, (spec, _), answer in zip(group, cases, worker.run_cases(shared, cases)):
            if compile_error is None:
                outcome = _outcome(ex, prepared[index], shared, spec, answer, spliced,
                                   student_lines)
                if isinstance(outcome, str):         # the file does not compile
                    compile_error = outcome
                else:
                    outcomes[index] = (prepared[index], outcome, answer[1])
    if compile_error is not None:
        return _compile_error(ex, label, prepared, compile_error, notes)
    results = [outcomes[i] for i in range(len(prepared))]
    if options.hints:                                # once every case is in: hints may run more
        for item, outcome, result in results:
            if item.case.public and outcome.verdict is Verdict.WA:
                outcome.hint = (hints.recognise(ex, item, result, worker, options, spliced.source)
                                or outcome.hint)
    return Report(ex.id, label, [outcome for _, outcome, _ in results], notes=notes)


def _outcome(ex, item, shared, spec, answer, spliced, student_lines):
    """_judge for one case, never raising whatever the run sent back."""
    envelope, result, output = answer
    try:
        return _judge(ex, item.case, dict(shared, **spec), envelope, result, output,
                      item.expected, spliced, student_lines)
    except (JudgeError, InternalError):             # the sandbox's own word: not the run's fault
        raise
    except Exception:  # noqa: BLE001 - whatever a run sends back must not crash the judge
        if os.environ.get("JUDGE_DEBUG"):
            raise
        return _unreadable(item.case, envelope)


def run_source(ex, case, source, arrays, expected_arrays, worker, options=None):
    """The outputs of a complete file (already spliced) on one case, or None.

    For instructor code that must still run like a submission (mutants of the
    reference, known mistakes): in the worker, never in the judge. None when
    the run did not end normally with every output read back.
    """
    request = _request(ex, case, source, expected_arrays, options or Options())
    try:
        envelope, result, _ = worker.run(request, arrays)
    except WorkerLost:
        return None
    if envelope.get("state") != "exited" or envelope.get("exit_code") != 0:
        return None
    return received(ex, result, expected_arrays)


def received(ex, result, expected_arrays):
    """{output: array or None} as a run handed them back; None if it raised or is malformed."""
    try:
        frames = channel.split_frames(result, max_frames=len(ex.outputs) + 1)
        header = channel.decode_json(frames[0]) if frames else {}
    except channel.ChannelError:
        return None
    values = header.get("values")
    if header.get("status") != "ok" or not isinstance(values, dict) or set(values) != set(ex.outputs):
        return None
    arrays, index = {}, 1
    for name in ex.outputs:
        info = values[name]
        arrays[name] = None
        if isinstance(info, dict) and info.get("kind") == "array":
            if index >= len(frames):
                return None
            try:
                arrays[name] = channel.decode_array(frames[index], 4 * expected_arrays[name].size + 1024)
            except channel.ChannelError:
                pass
            index += 1
    return arrays


def _unreadable(case, envelope):
    """The verdict for results that could not be read back at all."""
    message = ("the results could not be read back; do not write to the judge's file "
               "descriptors" if case.public else _hidden_message(Verdict.RE))
    return CaseResult(case.name, Verdict.RE, 0, case.points,
                      round(float(envelope.get("wall_ms") or 0.0), 1), case.visibility, message)


def _compile_error(ex, label, prepared, message, notes=()):
    results = [CaseResult(p.case.name, Verdict.CE, 0, p.case.points, 0.0, p.case.visibility,
                          "not run: the file does not compile") for p in prepared]
    return Report(ex.id, label, results, verdict=Verdict.CE, notes=list(notes),
                  compile_error=message)


def shared_request(ex, source, options):
    """What every case of one submission shares: the code, how to drive it, the sandbox."""
    from .box.drive import plan
    request = plan(ex)
    request.update(
        source=source,
        **{"class": ex.class_name},
        helpers=expected.helper_paths(ex),
        sandbox=options.sandbox or sandbox.default_mode(),
    )
    return request


def _case_request(case, expected_arrays, options):
    """One case's part of a request: its parameters and limits."""
    size = sum(a.nbytes for a in expected_arrays.values())
    return {
        "params": dict(case.params),
        "time_limit": options.time_limit or case.time_limit,
        "memory_limit": options.memory_limit or case.memory_limit,
        "output_limit": OUTPUT_LIMIT,
        "result_limit": 4 * size + (1 << 20),
    }


def _request(ex, case, source, expected_arrays, options):
    """A complete request for a single case."""
    return dict(shared_request(ex, source, options), **_case_request(case, expected_arrays, options))


# ------------------------------------------------------------ interpretation

def _judge(ex, case, request, envelope, result, output, expected_arrays, spliced, lines):
    """Turn what the worker saw into a CaseResult (or a compile message)."""
    time_ms = float(envelope.get("wall_ms") or 0.0)

    def done(verdict, message, details=(), hint=""):
        public = case.public
        if not public:
            message, details, hint = _hidden_message(verdict), [], ""
        return CaseResult(case.name, verdict, case.points if verdict is Verdict.AC else 0,
                          case.points, round(time_ms, 1), case.visibility, message,
                          list(details), _printed(output) if public else "", hint)

    state = envelope.get("state")
    limit = request["time_limit"]
    memory = request["memory_limit"]
    sandbox.warn_missing(envelope.get("sandbox"))
    if state == "box_fault":
        return done(Verdict.IE, f"the judge failed on this case ({envelope.get('reason')}); "
                                f"this attempt does not count")
    if state == "timeout":
        return done(Verdict.TLE, f"took longer than the {limit:g} s time limit")
    if state == "output_limit":
        return done(Verdict.OLE, f"printed more than {OUTPUT_LIMIT // 1024} KB; "
                                 f"remove debugging prints")
    if state == "result_limit":
        return done(Verdict.WA, "returned far more data than the expected arrays hold")
    # A failed allocation inside C code (numpy, BLAS) near the limit crashes
    # instead of raising MemoryError: judge it by how much the run held.
    near_memory = (envelope.get("peak_rss_kb") or 0) >= MLE_MARGIN * memory * 1024
    if state == "signaled":
        sig = envelope.get("signal")
        if sig in (signal.SIGXCPU,) or (sig == signal.SIGKILL and time_ms >= limit * 1000):
            return done(Verdict.TLE, f"used more than {limit:g} s of CPU time")
        if near_memory and sig in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGKILL):
            return done(Verdict.MLE, f"used more than the {memory} MB memory limit "
                                     f"(it crashed with {signal_name(sig)} near the limit)")
        return done(Verdict.RE, f"crashed: {signal_name(sig)}")
    if not result:
        code = envelope.get("exit_code")
        if code and near_memory:
            return done(Verdict.MLE, f"used more than the {memory} MB memory limit "
                                     f"(it ended with exit code {code} near the limit)")
        return done(Verdict.RE, f"your program ended before handing back its results "
                                f"(exit code {code}); do not call exit(), quit(), sys.exit() "
                                f"or os._exit()")
    try:
        frames = channel.split_frames(result, max_frames=len(ex.outputs) + 1)
        header = channel.decode_json(frames[0])
    except channel.ChannelError as err:
        return done(Verdict.RE, f"the results could not be read back ({err}); "
                                f"do not write to the judge's file descriptors")
    if envelope.get("exit_code") != 0:
        return done(Verdict.RE, f"your program ended with exit code {envelope.get('exit_code')}")
    if header.get("status") == "error":
        return _error_result(header, done, spliced, lines, memory)
    if header.get("status") != "ok" or not isinstance(header.get("values"), dict):
        return done(Verdict.RE, "the results could not be read back (malformed header)")
    elapsed = header.get("elapsed_ms")
    if isinstance(elapsed, (int, float)) and not isinstance(elapsed, bool) and 0 <= elapsed <= limit * 1000:
        # The case's own forward and backward, as the run timed them: the worker
        # sees results arrive in bursts. Shown only; limits use the worker's clock.
        time_ms = float(elapsed)
    return _compare_all(ex, case, header["values"], frames[1:], expected_arrays, done)


def _compare_all(ex, case, values, frames, expected_arrays, done):
    saved = {s.save for s in ex.steps if s.save}
    returned_by = {s.save: s.call for s in ex.steps if s.save}
    if set(values) != set(ex.outputs):
        return done(Verdict.RE, "the results could not be read back (unexpected names)")
    mismatches, correct, frame_index, hint = [], [], 0, ""
    for name in ex.outputs:
        info = values[name]
        if not isinstance(info, dict):
            return done(Verdict.RE, "the results could not be read back (malformed value)")
        got = None
        if info.get("kind") == "array":
            if frame_index >= len(frames):
                return done(Verdict.RE, "the results could not be read back (missing array)")
            try:
                got = channel.decode_array(frames[frame_index], 4 * expected_arrays[name].size + 1024)
            except channel.ChannelError as err:
                return done(Verdict.WA, f"{name} could not be accepted: {err}")
            frame_index += 1
        source = f"{returned_by[name]}() returned" if name in saved else "attribute"
        mismatch = compare.compare(name, info, got, expected_arrays[name], case.atol, case.rtol,
                                   source)
        if mismatch:
            mismatches.append(mismatch)
            if not hint:
                seen = compare.pattern(got, expected_arrays[name])
                hint = f"{name}: {seen}" if seen else ""
        else:
            correct.append(name)
    if frame_index != len(frames):
        return done(Verdict.RE, "the results could not be read back (extra arrays)")
    if not mismatches:
        return done(Verdict.AC, "all outputs match")
    first = mismatches[0]
    details = [m.message for m in mismatches]
    if correct:
        details.append(f"correct: {', '.join(correct)}")
    message = first.message
    if len(mismatches) > 1:
        message = f"{', '.join(m.name for m in mismatches)} are wrong; {message}"
    return done(Verdict.WA, message, details, hint)


def _error_result(header, done, spliced, lines, memory):
    phase = str(header.get("phase", ""))
    kind = str(header.get("type", "Exception"))
    message = str(header.get("message", ""))[:500]
    if phase == "compile":
        line = _student_line(spliced, header.get("line"))
        where = f"line {line}: " if line else ""
        source = f"  {lines[line - 1].strip()}" if line and line <= len(lines) else ""
        return f"{where}{kind}: {message}{source and ' ->' + source}"
    if kind == "MemoryError":
        return done(Verdict.MLE, f"ran out of memory (limit {memory} MB) in {phase}")
    if kind in ("SystemExit", "KeyboardInterrupt"):
        return done(Verdict.RE, f"raised {kind} in {phase}; do not call exit(), quit() or "
                                f"sys.exit() in your code")
    if phase == "class":
        return done(Verdict.RE, message or "the class is missing")
    details = []
    frames = header.get("frames") if isinstance(header.get("frames"), list) else []
    for frame in frames[-4:]:
        if not (isinstance(frame, list) and len(frame) == 3):
            continue
        file, number, function = frame
        if file == "submission.py" and isinstance(number, int):
            line = _student_line(spliced, number)
            text = lines[line - 1].strip() if line and line <= len(lines) else ""
            details.append(f"line {line or '?'}, in {function}: {text}")
        else:
            details.append(f"in {file}, line {number}, in {function} (called from your code)")
    summary = f"{kind}: {message}" if message else kind
    where = f" in {phase}" if phase not in ("load", "outputs") else (
        " while loading the file" if phase == "load" else "")
    return done(Verdict.RE, f"{summary}{where}{_sandbox_hint(message)}", details)


def _sandbox_hint(message):
    """What the sandbox forbids, for an error it caused."""
    limits = {
        "[Errno 1] Operation not permitted": "a submission may not start processes, open sockets "
                                             "or signal other processes",
        "[Errno 30] Read-only file system": "write files only in the current folder",
        "[Errno 28] No space left on device": f"the current folder holds at most "
                                              f"{box_limits.WORKDIR_LIMIT >> 20} MB",
        "[Errno 27] File too large": f"a file may hold at most {box_limits.FILE_SIZE_LIMIT >> 20} MB",
    }
    for text, hint in limits.items():
        if message.startswith(text):
            return f" ({hint})"
    return ""


def _student_line(spliced, line):
    return spliced.nearest_student_line(line)


def _printed(output):
    if not output:
        return ""
    text = output.decode("utf-8", errors="replace")
    kept = text.split("\n")
    shown = "\n".join(kept[:OUTPUT_LINES])
    if len(kept) > OUTPUT_LINES:
        shown += f"\n... ({len(kept) - OUTPUT_LINES} more lines)"
    return shown[:2000]


def _hidden_message(verdict):
    return {
        Verdict.AC: "passed",
        Verdict.WA: "wrong answer on a hidden case (its details are not shown)",
        Verdict.RE: "runtime error on a hidden case (its details are not shown)",
        Verdict.TLE: "time limit exceeded on a hidden case",
        Verdict.MLE: "memory limit exceeded on a hidden case",
        Verdict.OLE: "output limit exceeded on a hidden case",
    }.get(verdict, str(verdict))


def signal_name(sig):
    """A plain name for a signal that ended a run: "segmentation fault", "file too large"."""
    names = {
        signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted",
        signal.SIGFPE: "floating-point exception", signal.SIGBUS: "bus error",
        signal.SIGILL: "illegal instruction", signal.SIGKILL: "killed",
        signal.SIGXFSZ: "file too large", signal.SIGTERM: "terminated",
        signal.SIGPIPE: "broken pipe", signal.SIGSYS: "forbidden system call",
        signal.SIGXCPU: "CPU time limit", signal.SIGINT: "interrupted",
        signal.SIGHUP: "hang-up", signal.SIGQUIT: "quit", signal.SIGALRM: "alarm clock",
        signal.SIGUSR1: "user signal 1", signal.SIGUSR2: "user signal 2",
        signal.SIGTRAP: "trace trap",
    }
    try:
        return names.get(sig) or (signal.strsignal(sig) or f"signal {sig}").lower()
    except (ValueError, TypeError):
        return f"signal {sig}"
