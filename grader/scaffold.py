"""Starting points: the skeleton for a student, the statement with its public
cases, and a commented case-file template for an instructor.

Everything is derived from the exercise's declaration and files, so a new
exercise gets all three without a change here.
"""

from pathlib import Path

from grader.declare import cases as case_files
from grader.declare import schema
from grader.errors import JudgeError
from grader import messages
from grader.messages import _

LANGUAGES = ("en", "zh")


def write_skeleton(ex, target, force=False):
    """Copy the skeleton to ``target`` and the helper modules it imports beside
    it, so that it runs with plain ``python``. Return the paths written.

    Nothing is overwritten unless ``force``, and every file is checked before
    the first is written. A helper already there with the same text is left
    as it is, so that several exercises can share one folder.
    """
    target = Path(target)
    if target.is_dir():
        raise JudgeError(f"{target}: is a folder; give a file name such as {ex.id}.py")
    if target.exists() and not force:
        raise JudgeError(f"{target}: already exists; pass --force to overwrite it or give "
                         f"another file name")
    if not ex.skeleton.is_file():
        raise JudgeError(f"{ex.skeleton}: the skeleton of {ex.id} is missing")
    files = [(target, ex.skeleton.read_text(encoding="utf-8"))]
    for name in ex.helpers:
        path = target.parent / f"{name}.py"
        if path.name == target.name:
            raise JudgeError(f"{target}: is the name of the helper module the skeleton imports; "
                             f"give another file name such as {ex.id}.py")
        text = (ex.helpers_dir / f"{name}.py").read_text(encoding="utf-8")
        if path.is_file() and _text_of(path) == text:
            continue
        if path.exists() and not force:
            raise JudgeError(f"{path}: already exists and differs from the helper {name}.py the "
                             f"skeleton imports; pass --force to overwrite it or init in another folder")
        files.append((path, text))
    for path, text in files:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as err:
            raise JudgeError(f"{path}: cannot write it ({err.strerror}); choose another path") from None
    return [path for path, _ in files]


def _text_of(path):
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def statement(ex, lang):
    path = ex.statement(lang)
    if not path.is_file():
        have = [code for code in LANGUAGES if ex.statement(code).is_file()]
        raise JudgeError(f"{case_files.display(path)}: no statement in {lang!r} for {ex.id}"
                         + (f"; try --lang {have[0]}" if have else ""))
    return path.read_text(encoding="utf-8").rstrip("\n")


def params_text(params):
    return " ".join(f"{k}=[{','.join(str(v) for v in value)}]" if isinstance(value, list)
                    else f"{k}={value}" for k, value in params.items())


def public_table(ex, case_list):
    """The public cases as a small table; hidden ones only counted."""
    public = [c for c in case_list if c.public]
    hidden = [c for c in case_list if not c.public]
    total = sum(c.points for c in case_list)
    lines = [_("Public cases ({count} of {all}; {points} of {total} points):", count=len(public),
               all=len(case_list), points=sum(c.points for c in public), total=total)]
    rows = [(c.name, params_text(c.params), str(c.points)) for c in public]
    if rows:
        heads = (_("name"), _("params"), _("points"))
        widths = [max(len(r[i]) for r in rows + [heads]) for i in range(3)]
        lines.append(f"  {heads[0]:<{widths[0]}}  {heads[1]:<{widths[1]}}  {heads[2]:>{widths[2]}}")
        for name, params, points in rows:
            lines.append(f"  {name:<{widths[0]}}  {params:<{widths[1]}}  {points:>{widths[2]}}")
        for c in public:
            if c.description:
                lines.append(f"  {c.name}: {c.description}")
    if hidden:
        points = sum(c.points for c in hidden)
        lines.append("  + " + (_("1 hidden case ({points} points): only its verdict is shown", points=points)
                               if len(hidden) == 1 else
                               _("{count} hidden cases ({points} points): only their verdicts are shown",
                                 count=len(hidden), points=points)))
    return "\n".join(lines)


def case_template(ex, case_list):
    """A commented YAML case file for ``ex`` that validates as it is."""
    example = next((c for c in case_list if c.public), case_list[0] if case_list else None)
    names = {c.name for c in case_list}
    name, n = "new_case", 1
    while name in names:
        n += 1
        name = f"new_case_{n}"
    seed = max((c.seed for c in case_list), default=0) + 1
    values = dict(example.params) if example else _smallest(ex)
    where = f"values of the public case {example.name!r}" if example else "the smallest values"
    real = [i for i, spec in ex.inputs.items() if spec.kind == "real"]
    labels = [i for i, spec in ex.inputs.items() if spec.kind != "real"]

    out = [f"# A new case for {ex.id} ({ex.display_title('en')}).",
           f"# Put it in cases/{ex.id}/ (or grade with --cases FILE), edit it, then run",
           f"#   judge cases validate FILE  and  judge check {ex.id}",
           f"exercise: {ex.id}",
           "cases:",
           _commented(f"  - name: {name}", "unique in the exercise: letters, digits, _ . -"),
           _commented('    description: ""', "what the case is for, one line"),
           _commented(f"    seed: {seed}", "inputs are drawn from it, the same on every machine"),
           _commented("    params:", where)]
    for pname, spec in ex.params.items():
        value = values.get(pname, spec.default)
        shown = f"[{', '.join(str(v) for v in value)}]" if isinstance(value, list) else str(value)
        out.append(_commented(f"      {pname}: {shown}", _param_doc(spec)))
    for check, message in ex.constraints:
        out.append(f"    #   must hold: {check} ({message})")
    out.append(_commented("    draw: normal", f"normal | uniform | integers; or per input "
                                              f"({', '.join(real)}): "
                                              f"{{{real[0]}: {{dist: integers, low: -2, high: 2}}}}"))
    for label in labels:
        out.append(f"    #   {label} holds labels: the exercise draws them, no distribution")
    tolerance = f"{{atol: {ex.tolerance['atol']:.1e}, rtol: {ex.tolerance['rtol']:.1e}}}"   # YAML floats
    out += [_commented("    points: 10", "the points of all cases add up to the total"),
            _commented("    visibility: public", "public: students see everything; hidden: only the verdict"),
            _commented(f"    # tolerance: {tolerance}", "optional; these are the exercise's"),
            _commented(f"    # time_limit: {ex.limits['time']:g}", "optional, seconds"),
            _commented(f"    # memory_limit: {ex.limits['memory']}", "optional, megabytes")]
    return "\n".join(out) + "\n"


def _commented(text, comment, width=32):
    """``text`` with ``# comment`` aligned at ``width``."""
    return text + " " * max(1, width - len(text)) + "# " + comment


def _param_doc(spec):
    parts = [spec.doc or spec.name]
    if spec.kind == "list":
        length = f"{spec.min_len}" + (f" to {spec.max_len}" if spec.max_len else " or more")
        parts.append(f"a list of {length} whole numbers, each at least {spec.min}")
    else:
        parts.append(f"at least {spec.min}" + (f", at most {spec.max}" if spec.max is not None else ""))
    if spec.default is not None:
        parts.append(f"default {spec.default}")
    return "; ".join(parts)


def _smallest(ex):
    """Parameter values for an exercise without cases: defaults, else minimums."""
    values = {}
    for name, spec in ex.params.items():
        if spec.default is not None:
            values[name] = spec.default
        elif spec.kind == "list":
            values[name] = [max(spec.min, 1)] * max(spec.min_len, 1)
        else:
            values[name] = max(spec.min, 1)
    return values


# ---------------------------------------------------------------- a public case for a notebook

def public_case(ex, case_list, name):
    """The public case called ``name``. Any other name, hidden or unknown, gets
    the same refusal, so that it never tells whether a hidden case exists."""
    public = [c for c in case_list if c.public]
    found = next((c for c in public if c.name == name), None)
    if found is None:
        names = [c.name for c in public]
        raise JudgeError(f"{ex.id} has no public case {name!r}"
                         f"{schema.suggest(name, names)}; public cases: "
                         f"{', '.join(names) or 'none'} (hidden cases are never written out)")
    return found


def case_arrays(ex, case):
    """What the judge feeds the layer on ``case`` and what it expects back, by
    npz key: each input under its own name, each parameter as ``param_NAME``,
    each expected output as ``expected_NAME``."""
    import numpy as np
    from grader.answers import expected
    from grader.declare import inputs
    drawn = inputs.draw(ex, case)
    results = expected.compute(ex, case, drawn)
    arrays = dict(drawn)
    for label, values in (("param", case.params), ("expected", results)):
        for key, value in values.items():
            if f"{label}_{key}" in arrays:
                raise JudgeError(f"{ex.id}: the input {label}_{key!s} clashes with the npz key of "
                                 f"the {label} {key!r}; rename the input in exercise.yaml")
            arrays[f"{label}_{key}"] = np.asarray(value)
    return arrays


def write_case(ex, case, target, force=False):
    """Write ``case`` as an .npz at ``target`` (exactly that path); return its arrays."""
    import numpy as np
    target = Path(target)
    if target.is_dir():
        raise JudgeError(f"{target}: is a folder; give a file name such as {case.name}.npz")
    if target.exists() and not force:
        raise JudgeError(f"{target}: already exists; pass --force to overwrite it or give "
                         f"another file name")
    arrays = case_arrays(ex, case)
    try:
        with open(target, "wb") as handle:
            np.savez(handle, **arrays)
    except OSError as err:
        raise JudgeError(f"{target}: cannot write it ({err.strerror}); choose another path") from None
    return arrays


def case_snippet(ex, case, target, module):
    """Python that runs the layer of ``module`` on the case written to ``target``
    the way the judge does, and compares with the expected outputs."""
    def value(name):
        if name in ex.inputs:
            return f"case[{name!r}]"
        return repr(case.params[name])

    construct = [value(a) for a in ex.construct_args]
    construct += [f"{key}={value(name)}" for key, name in ex.construct_kwargs.items()]
    lines = ["import numpy as np",
             f"from {module} import {ex.class_name}",
             f"case = np.load({str(target)!r})",
             f"layer = {ex.class_name}({', '.join(construct)})"]
    saved = set()
    for step in ex.steps:
        args = [value(a) for a in step.args]
        args += [f"{key}={value(name) if isinstance(name, str) else repr(name)}"
                 for key, name in (getattr(step, "kwargs", None) or {}).items()]
        call = f"layer.{step.call}({', '.join(args)})"
        lines.append(f"{step.save} = {call}" if step.save else call)
        saved.add(step.save)
    for name in ex.outputs:
        got = name if name in saved else f"layer.{name}"
        lines.append(f"np.testing.assert_allclose({got}, case['expected_{name}'], "
                     f"rtol={case.rtol:g}, atol={case.atol:g})")
    return "\n".join(lines)


def on_your_machine(ex, lang):
    """How to work on the exercise locally: a short section after the statement."""
    helpers = f" ({', '.join(f'{h}.py' for h in ex.helpers)})" if ex.helpers else ""
    with messages.use(lang):
        return _("On your machine:\n"
                 "  judge init {id}\n"
                 "      the skeleton and the helpers it imports{helpers}: it runs with plain python\n"
                 "  judge case {id} NAME [-o FILE.npz]\n"
                 "      the inputs and expected outputs of the public case NAME, and the lines\n"
                 "      that load it and check your layer in a notebook", id=ex.id, helpers=helpers)
