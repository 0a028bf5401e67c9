"""What a run handed back for one case, decoded once, strictly.

The result frame holds a JSON header and one ``.npy`` frame per output the
run exported as an array. Nothing in it is trusted: every frame, key, type
and array header is checked here (``wire.decode_array`` never evaluates or
unpickles), and each array may hold at most a few times the elements of the
expected one. Both the verdict and the hints read the ``Returned`` this
builds; nothing else parses results.
"""

from dataclasses import dataclass, field

from grader.box import wire


@dataclass(frozen=True)
class Value:
    """One output as the run described it: ``kind`` array|missing|none|type|dtype."""
    info: dict
    array: object = None                 # the decoded numpy array, when kind is array
    error: str = ""                      # why an array frame could not be accepted


@dataclass(frozen=True)
class Returned:
    """The run's header said ok: every output, in the exercise's order."""
    values: dict                         # {output: Value}
    elapsed_ms: object = None            # the run's own figure (public cases only)
    problem: str = ""                    # the first structural fault, if any

    def arrays(self):
        """{output: array or None}: what hints compare."""
        return {name: value.array for name, value in self.values.items()}


@dataclass(frozen=True)
class Raised:
    """The run's header said error: where and what."""
    phase: str
    kind: str
    message: str
    line: object = None
    frames: list = field(default_factory=list)


@dataclass(frozen=True)
class Garbled:
    """Bytes that do not follow the protocol."""
    reason: str


def array_cap(expected):
    """The most elements a returned array may have: four times the expected ones, and some."""
    return 4 * expected.size + 1024


def decode(result, outputs, expected):
    """``Returned``, ``Raised`` or ``Garbled`` for a non-empty result frame.

    ``outputs`` names the exercise's outputs in order; ``expected`` maps each
    to its expected array (for the size cap)."""
    try:
        frames = wire.split_frames(result, max_frames=len(outputs) + 1)
        header = wire.decode_json(frames[0]) if frames else {}
    except wire.ChannelError as err:
        return Garbled(str(err))
    status = header.get("status")
    if status == "error":
        return _raised(header)
    values = header.get("values")
    if status != "ok" or not isinstance(values, dict):
        return Garbled("malformed header")
    if set(values) != set(outputs):
        return Returned({}, problem="unexpected names")
    decoded, index, problem = {}, 1, ""
    for name in outputs:
        info = values[name]
        if not isinstance(info, dict):
            problem = "malformed value"
            break
        if info.get("kind") != "array":
            decoded[name] = Value(info)
            continue
        if index >= len(frames):
            problem = "missing array"
            break
        try:
            decoded[name] = Value(info, wire.decode_array(frames[index], array_cap(expected[name])))
        except wire.ChannelError as err:
            decoded[name] = Value(info, error=str(err))
        index += 1
    if not problem and index != len(frames):
        problem = "extra arrays"
    return Returned(decoded, _elapsed(header.get("elapsed_ms")), problem)


def stuck_line(result):
    """The line of submission.py a run out of time said it was on, or None.

    The run writes it when asked (one frame, a header and no arrays); it is
    the student's own word, so it is only ever shown to that student, as a
    line number of their file."""
    try:
        frames = wire.split_frames(result, max_frames=1)
        header = wire.decode_json(frames[0]) if len(frames) == 1 else {}
    except wire.ChannelError:
        return None
    line = header.get("line") if isinstance(header, dict) and header.get("status") == "stuck" else None
    if isinstance(line, int) and not isinstance(line, bool) and 0 < line < 1_000_000:
        return line
    return None


def _elapsed(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _raised(header):
    frames = header.get("frames") if isinstance(header.get("frames"), list) else []
    line = header.get("line")
    return Raised(str(header.get("phase", "")), str(header.get("type", "Exception")),
                  str(header.get("message", ""))[:500],
                  line if isinstance(line, int) and not isinstance(line, bool) else None,
                  [f for f in frames[-8:] if isinstance(f, list) and len(f) == 3])
