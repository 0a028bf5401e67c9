"""Executing a submission in the box: the request the worker is sent, and one file run on one case.

A request is what every case of one submission shares (the code, how to drive
the class, the helpers, the sandbox) plus each case's own part (parameters and
limits); the answers come back through ``grader.pipeline.run`` and are decoded
once, strictly, by ``grader.pipeline.decode``.
"""

from grader.answers import reference
from grader.box import drive
from grader.pipeline import decide, decode, sandbox
from grader.pipeline.decode import Returned
from grader.settings import DEFAULTS
from grader.pipeline.options import Options
from grader.pipeline.run import WorkerLost


def shared_request(ex, source, options):
    """What every case of one submission shares: the code, how to drive it, the sandbox."""
    request = drive.plan(ex)
    request.update(
        source=source,
        **{"class": ex.class_name},
        helpers=reference.helper_paths(ex),
        sandbox=options.sandbox or sandbox.default_mode(),
    )
    return request


def case_request(case, expected_arrays, options):
    """One case's part of a request: its parameters and limits."""
    size = sum(a.nbytes for a in expected_arrays.values())
    return {
        "params": dict(case.params),
        "time_limit": options.time_limit or case.time_limit,
        "memory_limit": options.memory_limit or case.memory_limit,
        "output_limit": DEFAULTS.output_limit,
        "result_limit": 4 * size + (1 << 20),
    }


def one_case_request(ex, case, source, expected_arrays, options):
    """A complete request for a single case."""
    return dict(shared_request(ex, source, options), **case_request(case, expected_arrays, options))


def run_source(ex, case, source, arrays, expected_arrays, worker, options=None):
    """The outputs of a complete file (already spliced) on one case, or None.

    For instructor code that must still run like a submission (mutants of the
    reference, known mistakes): in the worker, never in the judge. None when
    the run did not end normally with every output read back.
    """
    request = one_case_request(ex, case, source, expected_arrays, options or Options())
    try:
        envelope, result, _ = worker.run(request, arrays)
    except WorkerLost:
        return None
    facts = decide.RunFacts.from_wire(envelope)
    if facts.state is not decide.State.EXITED or facts.exit_code != 0 or not result:
        return None
    returned = decode.decode(result, ex.outputs, expected_arrays)
    if not isinstance(returned, Returned) or returned.problem:
        return None
    return returned.arrays()
