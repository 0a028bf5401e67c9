"""The whole path of one submission: read -> splice -> execute (in the box) -> decide -> report.

``grade()`` never raises for anything a submission does; problems with the
judge's own inputs (unknown exercise, broken case file) raise JudgeError
before any grading starts.
"""

from grader import settings
from grader.answers import expected
from grader.declare import cases as case_files
from grader.declare import exercise
from grader.errors import JudgeError
from grader.inert import inert
from grader.messages import _
from grader.pipeline import compare, decide, decode, execute, feedback, hints, read, splice
from grader.pipeline.decode import Raised, Returned
from grader.pipeline.options import Options
from grader.pipeline.run import Worker
from grader.pipeline.verdict import CaseResult, Report, Verdict, case_labels

__all__ = ["Options", "grade", "grade_text", "ready", "load_exercise", "case_labels"]


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
    worker.warm(execute.shared_request(ex, "", options))
    return ex, expected.prepare(ex, case_list, options.use_cache)


def grade(path, exercise_id, options=None, worker=None, on_start=None, on_case=None):
    """Grade one file; return a Report. ``on_start`` and ``on_case``: as for grade_text."""
    options = options or Options()
    own_worker = worker is None
    if own_worker:
        worker = Worker().start()       # forked before the judge loads any reference
    try:
        ex, prepared = ready(exercise_id, options, worker)
        return grade_text(ex, read.read(path), prepared, options, worker, on_case, on_start)
    finally:
        if own_worker:
            worker.close()


def grade_text(ex, submission, prepared, options, worker, on_case=None, on_start=None):
    """Grade one read submission; ``on_case(index, case_result)``, when given, is
    called as soon as each case is decided (before hints are added at the end);
    ``on_start(exercise id, submission, [(case name, label)])`` once the file is
    spliced, before the first case runs."""
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
        notes.append(_("You changed lines {lines} outside the Begin/End markers; those changes were "
                       "ignored: only the code between the markers is graded.",
                       lines=splice.describe_lines(spliced.outside_changes)))
    place = _placer(spliced, submission.text.split("\n"))
    shared = execute.shared_request(ex, spliced.source, options)
    labels = case_labels([item.case for item in prepared])
    if on_start is not None:
        on_start(ex.id, inert(label), [(item.case.name, text) for item, text in zip(prepared, labels)])
    # Public cases run first, in runs of their own: what they print is shown,
    # so no hidden case's parameters or inputs may be in that process.
    # A run's address-space limit is fixed once it starts: cases with another
    # memory limit get a run of their own.
    groups = {}
    for index, item in enumerate(prepared):
        memory = options.memory_limit or item.case.memory_limit
        groups.setdefault((not item.case.public, memory), []).append(index)
    outcomes, compile_error = {}, None
    for _key, group in sorted(groups.items()):
        if compile_error is not None:
            continue
        cases = [(execute.case_request(prepared[i].case, prepared[i].expected, options),
                  prepared[i].inputs_npy()) for i in group]
        for index, (spec, _arrays), answer in zip(group, cases, worker.run_cases(shared, cases)):
            if compile_error is None:
                outcome, returned = judge_case(ex, prepared[index], labels[index], spec, answer, place)
                if isinstance(outcome, str):         # the file does not compile
                    compile_error = outcome
                else:
                    outcomes[index] = (prepared[index], outcome, returned)
                    if on_case is not None:
                        on_case(index, outcome)
    if compile_error is not None:
        return _compile_error(ex, label, prepared, compile_error, notes)
    results = [outcomes[i] for i in range(len(prepared))]
    if options.hints:                                # once every case is in: hints may run more
        for item, outcome, returned in results:
            if item.case.public and outcome.verdict is Verdict.WA and isinstance(returned, Returned):
                outcome.hint = (hints.recognise(ex, item, returned.arrays(), worker, options,
                                                spliced.source) or outcome.hint)
            elif item.case.public and outcome.verdict is Verdict.RE and isinstance(returned, Raised):
                outcome.hint = hints.recognise_error(ex, item, returned) or outcome.hint
    return Report(ex.id, inert(label), [outcome for _, outcome, _ in results], notes=notes)


def _placer(spliced, lines):
    def place(number):
        line = spliced.nearest_student_line(number)
        text = lines[line - 1].strip() if line and line <= len(lines) else ""
        return line, text
    return place


def judge_case(ex, item, label, spec, answer, place):
    """(CaseResult or a compile message, the decoded result) for one case's answer.

    Never raises for anything the run sent back."""
    envelope, result, output = answer
    case = item.case
    facts = decide.RunFacts.from_wire(envelope)
    limits = decide.Limits(float(spec["time_limit"]), int(spec["memory_limit"]), int(spec["output_limit"]))
    returned, mismatches, correct, hint = None, None, [], ""
    try:
        if result and facts.state is decide.State.EXITED:
            returned = decode.decode(result, ex.outputs, item.expected)
            if isinstance(returned, Returned) and not returned.problem:
                mismatches, correct, hint = _compare(ex, case, returned, item.expected)
        decision = decide.decide(facts, limits, returned, mismatches)
        if decision.verdict is Verdict.CE:
            return feedback.compile_message(returned, place), returned
        stuck = decode.stuck_line(result) if result and decision.verdict is Verdict.TLE else None
        message, details = feedback.words(decision, limits, returned, mismatches or [], correct, place,
                                          stuck)
    except Exception:  # noqa: BLE001 - whatever a run sends back must not crash the judge
        if settings.debug():
            raise
        decision = decide.Decision(Verdict.RE, "garbled", {"reason": "unreadable"})
        message, details = feedback.words(decision, limits)
    verdict = decision.verdict
    hint = hint if verdict is Verdict.WA else ""
    points = case.points if verdict is Verdict.AC else 0
    elapsed = returned.elapsed_ms if isinstance(returned, Returned) else None
    time_ms = elapsed if elapsed is not None and elapsed <= limits.time_s * 1000 else facts.wall_ms
    if not case.public:
        revealed = {"message": message, "details": list(details), "time_ms": round(time_ms, 1),
                    "output": feedback.printed(output)}
        return CaseResult(case.name, verdict, points, case.points, feedback.coarse_ms(facts.wall_ms),
                          case.visibility, feedback.hidden_message(verdict), label=label,
                          revealed=revealed), returned
    return CaseResult(case.name, verdict, points, case.points, round(time_ms, 1), case.visibility,
                      message, list(details), feedback.printed(output), hint, label=label), returned


def _compare(ex, case, returned, expected_arrays):
    """(mismatches, names of the correct outputs, a pattern seen in the first wrong
    output that shows one), in the exercise's output order."""
    saved = {s.save: s.call for s in ex.steps if s.save}
    mismatches, correct, hint = [], [], ""
    for name in ex.outputs:
        value = returned.values[name]
        source = f"{saved[name]}() returned" if name in saved else "attribute"
        mismatch = compare.compare(name, value.info, value.array, expected_arrays[name],
                                   case.atol, case.rtol, source)
        if mismatch:
            mismatches.append(mismatch)
            if not hint:
                seen = compare.pattern(value.array, expected_arrays[name])
                hint = f"{name}: {seen}" if seen else ""
        else:
            correct.append(name)
    return mismatches, correct, hint


def _compile_error(ex, label, prepared, message, notes=()):
    labels = case_labels([p.case for p in prepared])
    results = [CaseResult(p.case.name, Verdict.CE, 0, p.case.points, 0.0, p.case.visibility,
                          _("not run: the file does not compile"), label=text)
               for p, text in zip(prepared, labels)]
    return Report(ex.id, inert(label), results, verdict=Verdict.CE, notes=list(notes),
                  compile_error=inert(message))
