"""Exercise a layer object the way its exercise declares.

Shared by both sides: the worker drives the student's class with it, the
judge drives the reference class with it, so both see exactly the same calls.
"""

MISSING = object()


class StepFailed(Exception):
    """A call raised; ``phase`` says which (construct, forward, backward, ...)."""

    def __init__(self, phase, error):
        super().__init__(phase)
        self.phase = phase
        self.error = error


def drive(cls, ex_plan, names):
    """Build the object, run the steps, collect the outputs.

    ``ex_plan`` is a mapping with ``construct`` ({args, kwargs}), ``steps``
    ([call, args, save] triples) and ``outputs`` (names). ``names`` maps
    input and parameter names to values. Returns {output name: value},
    with MISSING for an attribute the object does not have.
    """
    phase = "construct"
    try:
        construct = ex_plan["construct"]
        obj = cls(*[names[a] for a in construct["args"]],
                  **{key: names[value] for key, value in construct["kwargs"].items()})
        saved = {}
        for call, args, save in ex_plan["steps"]:
            phase = call
            value = getattr(obj, call)(*[names[a] for a in args])
            if save:
                saved[save] = value
        phase = "outputs"
        return {name: saved[name] if name in saved else getattr(obj, name, MISSING)
                for name in ex_plan["outputs"]}
    except BaseException as err:  # SystemExit and KeyboardInterrupt come from the code too
        raise StepFailed(phase, err) from None


def plan(ex):
    """The JSON-able part of an exercise that says how to drive it."""
    return {
        "construct": {"args": list(ex.construct_args), "kwargs": dict(ex.construct_kwargs)},
        "steps": [[s.call, list(s.args), s.save] for s in ex.steps],
        "outputs": list(ex.outputs),
    }
