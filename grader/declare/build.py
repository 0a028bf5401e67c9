"""exercise.yaml checked key by key and turned into an Exercise; every problem one line."""

from grader.declare import expr, schema
from grader.declare.spec import (DEFAULT_LIMITS, DEFAULT_TOLERANCE, DISTRIBUTIONS, INPUT_KINDS,
                                 MUTATION_OPERATORS, PARAM_KINDS, CheckSpec, Exercise, InputSpec,
                                 Param, Step, project_root)
from grader.settings import DEFAULTS


_TOP_KEYS = {"id", "level", "title", "class", "helpers", "params", "constraints",
             "inputs", "construct", "steps", "outputs", "tolerance", "limits",
             "hints", "mutation", "check"}


def build(exercise_id, folder, data, problems):
    if not isinstance(data, dict):
        problems.append("the file must be a mapping of keys (id, class, params, ...)")
        return None
    problems += schema.unknown_keys(data, _TOP_KEYS, "")
    for key in ("id", "class", "params", "inputs", "steps", "outputs"):
        if key not in data:
            problems.append(f"{key}: missing")
    if problems:
        return None
    if data["id"] != exercise_id:
        problems.append(f"id: is {data['id']!r} but the folder is {exercise_id!r}; make them equal")
    title = data.get("title", {"en": exercise_id})
    if isinstance(title, str):
        title = {"en": title}
    if not isinstance(title, dict) or not all(isinstance(v, str) for v in title.values()):
        problems.append("title: expected a text or a mapping of language to text")
        title = {"en": exercise_id}
    if not isinstance(data["class"], str) or not data["class"].isidentifier():
        problems.append("class: expected a Python class name")
    helpers = data.get("helpers", [])
    if not isinstance(helpers, list) or not all(isinstance(h, str) and h.isidentifier() for h in helpers):
        problems.append("helpers: expected a list of module names from exercises/lib")
        helpers = []
    lib = project_root() / "exercises" / "lib"
    there = sorted(p.stem for p in lib.glob("*.py")) if lib.is_dir() else []
    for name in helpers:
        if name not in there:
            problems.append(f"helpers: no module {name!r} in exercises/lib{schema.suggest(name, there)} "
                            f"(there: {', '.join(there) or 'none'}); fix the name or add "
                            f"exercises/lib/{name}.py")

    params = {}
    if not isinstance(data["params"], dict):
        problems.append("params: expected a mapping of name to {min, default, doc}")
    else:
        for name, spec in data["params"].items():
            where = f"params.{name}"
            if not isinstance(name, str) or not name.isidentifier():
                problems.append(f"{where}: a parameter name must be an identifier")
                continue
            spec = spec or {}
            if not isinstance(spec, dict):
                problems.append(f"{where}: expected a mapping with min, max, default, doc")
                continue
            problems += schema.unknown_keys(
                spec, {"min", "max", "default", "doc", "kind", "min_len", "max_len"}, f"{where}.")
            kind = spec.get("kind", "int")
            if kind not in PARAM_KINDS:
                problems.append(f"{where}.kind: must be one of {', '.join(PARAM_KINDS)}")
                continue
            for key in ("min", "max", "min_len", "max_len") + (("default",) if kind == "int" else ()):
                if key in spec and not schema.is_int(spec[key]):
                    problems.append(f"{where}.{key}: expected a whole number")
            if kind == "int" and ("min_len" in spec or "max_len" in spec):
                problems.append(f"{where}: min_len and max_len are for kind: list")
            default = spec.get("default")
            if kind == "list" and default is not None and not (
                    isinstance(default, list) and all(schema.is_int(v) for v in default)):
                problems.append(f"{where}.default: expected a list of whole numbers")
            params[name] = Param(name, spec.get("min", 0), spec.get("max"), default,
                                 str(spec.get("doc", "")), kind, spec.get("min_len", 1),
                                 spec.get("max_len"))

    env_names = set(params)
    list_params = {name for name, p in params.items() if p.kind == "list"}
    constraints = []
    for i, item in enumerate(data.get("constraints") or []):
        where = f"constraints[{i}]"
        if not isinstance(item, dict) or "check" not in item:
            problems.append(f"{where}: expected {{check: EXPRESSION, message: TEXT}}")
            continue
        _check_expr(item["check"], env_names, where + ".check", problems)
        constraints.append((str(item["check"]), str(item.get("message", item["check"]))))

    inputs = {}
    if not isinstance(data["inputs"], dict) or not data["inputs"]:
        problems.append("inputs: expected a mapping of array name to {shape: [...]}")
    else:
        for name, spec in data["inputs"].items():
            where = f"inputs.{name}"
            if not isinstance(spec, dict) or not isinstance(spec.get("shape"), list):
                problems.append(f"{where}: expected a mapping with shape: [sizes]")
                continue
            problems += schema.unknown_keys(spec, {"shape", "kind", "draw", "classes", "onehot"}, f"{where}.")
            for j, dim in enumerate(spec["shape"]):
                if isinstance(dim, str) and dim.strip().startswith("*"):
                    if dim.strip()[1:].strip() not in list_params:
                        problems.append(f"{where}.shape[{j}]: {dim!r} must name a list parameter "
                                        f"(kind: list), e.g. '*dims'")
                    continue
                _check_expr(dim, env_names, f"{where}.shape[{j}]", problems)
            kind = spec.get("kind", "real")
            if kind not in INPUT_KINDS:
                problems.append(f"{where}.kind: must be one of {', '.join(INPUT_KINDS)}")
            draw = spec.get("draw", "normal")
            if draw not in DISTRIBUTIONS:
                problems.append(f"{where}.draw: must be one of {', '.join(DISTRIBUTIONS)}")
            if kind == "labels":
                if "classes" not in spec:
                    problems.append(f"{where}.classes: needed for kind labels")
                else:
                    _check_expr(spec["classes"], env_names, f"{where}.classes", problems)
            if "onehot" in spec:
                _check_expr(spec["onehot"], env_names, f"{where}.onehot", problems)
            inputs[name] = InputSpec(name, tuple(str(d) for d in spec["shape"]), kind, draw,
                                     str(spec["classes"]) if "classes" in spec else None,
                                     str(spec["onehot"]) if "onehot" in spec else None)

    names = set(params) | set(inputs)
    construct = data.get("construct") or {}
    if not isinstance(construct, dict):
        problems.append("construct: expected {args: [...], kwargs: {...}}")
        construct = {}
    cargs = construct.get("args", [])
    ckwargs = construct.get("kwargs", {})
    if not isinstance(cargs, list) or not isinstance(ckwargs, dict):
        problems.append("construct: args must be a list and kwargs a mapping")
        cargs, ckwargs = [], {}
    for ref in list(cargs) + list(ckwargs.values()):
        if ref not in names:
            problems.append(f"construct: {ref!r} is neither a param nor an input")

    steps = []
    saved = set()
    if not isinstance(data["steps"], list) or not data["steps"]:
        problems.append("steps: expected a list of {call: METHOD, args: [...], save: NAME}")
    else:
        for i, step in enumerate(data["steps"]):
            where = f"steps[{i}]"
            if not isinstance(step, dict) or not isinstance(step.get("call"), str):
                problems.append(f"{where}: expected {{call: METHOD, args: [...], save: NAME}}")
                continue
            problems += schema.unknown_keys(step, {"call", "args", "save"}, f"{where}.")
            args = step.get("args", [])
            if not isinstance(args, list):
                problems.append(f"{where}.args: expected a list")
                args = []
            for ref in args:
                if ref not in names:
                    problems.append(f"{where}.args: {ref!r} is neither a param nor an input")
            save = step.get("save")
            if save is not None:
                saved.add(save)
            steps.append(Step(step["call"], tuple(args), save))

    outputs = data["outputs"]
    if not isinstance(outputs, list) or not outputs or not all(isinstance(o, str) for o in outputs):
        problems.append("outputs: expected a list of names")
        outputs = []
    elif len(set(outputs)) != len(outputs):
        problems.append("outputs: a name is listed twice")
    for out in outputs:
        if not out.isidentifier():
            problems.append(f"outputs: {out!r} is not a name")

    tolerance = dict(DEFAULT_TOLERANCE)
    tol = data.get("tolerance") or {}
    if not isinstance(tol, dict):
        problems.append("tolerance: expected {atol: NUMBER, rtol: NUMBER}")
        tol = {}
    problems += schema.unknown_keys(tol, {"atol", "rtol"}, "tolerance.")
    for key in ("atol", "rtol"):
        if key in tol:
            problem = schema.check_number(tol[key], f"tolerance.{key}", low=0, high=DEFAULTS.max_tolerance)
            if problem:
                problems.append(problem)
            else:
                tolerance[key] = float(tol[key])

    limits = dict(DEFAULT_LIMITS)
    lim = data.get("limits") or {}
    if not isinstance(lim, dict):
        problems.append("limits: expected {time: SECONDS, memory: MB}")
        lim = {}
    problems += schema.unknown_keys(lim, {"time", "memory"}, "limits.")
    if "time" in lim:
        problem = schema.check_number(lim["time"], "limits.time", low=0, low_open=True,
                                       high=DEFAULTS.max_time_limit)
        problems.append(problem) if problem else limits.update(time=float(lim["time"]))
    if "memory" in lim:
        problem = schema.check_int(lim["memory"], "limits.memory", low=DEFAULTS.min_memory_limit,
                                    high=DEFAULTS.max_memory_limit)
        problems.append(problem) if problem else limits.update(memory=lim["memory"])

    extra = {key: data[key] for key in ("hints", "mutation") if key in data}
    _check_hints(data.get("hints"), inputs, problems)
    check = _build_check(data.get("check"), inputs, outputs, steps, problems)
    level = data.get("level", 0)
    return Exercise(
        id=exercise_id, folder=folder, title=title,
        level=level if schema.is_int(level) else 0,
        class_name=str(data["class"]), helpers=tuple(helpers), params=params,
        constraints=tuple(constraints), inputs=inputs,
        construct_args=tuple(cargs), construct_kwargs=dict(ckwargs),
        steps=tuple(steps), outputs=tuple(outputs), tolerance=tolerance,
        limits=limits, extra=extra, check=check)


def _check_hints(raw, inputs, problems):
    """`hints:` says how to recognise mistakes from wrong outputs (see grader.pipeline.hints)."""
    if raw is None:
        return
    if not isinstance(raw, dict):
        problems.append("hints: expected a mapping, e.g. {ties: {input: x, advice: TEXT}}")
        return
    problems += schema.unknown_keys(raw, {"ties"}, "hints.")
    ties = raw.get("ties")
    if ties is None:
        return
    if not isinstance(ties, dict) or not isinstance(ties.get("advice"), str) \
            or ties.get("input") not in inputs or inputs[ties["input"]].kind != "real":
        problems.append("hints.ties: expected {input: A REAL-VALUED INPUT, advice: TEXT}")


_CHECK_KEYS = {"loss", "gradients", "distinct", "probes", "small", "suggest"}


def _build_check(raw, inputs, outputs, steps, problems):
    """The `check:` section: the loss, which outputs are gradients, the probes."""
    if raw is None:
        return CheckSpec()
    if not isinstance(raw, dict):
        problems.append("check: expected a mapping with loss, gradients, distinct, probes, small, suggest")
        return CheckSpec()
    problems += schema.unknown_keys(raw, _CHECK_KEYS, "check.")
    real = {name for name, spec in inputs.items() if spec.kind == "real"}
    saved = {s.save for s in steps if s.save}
    loss = weight = None
    if "loss" in raw:
        item = raw["loss"]
        if isinstance(item, str):
            item = {"output": item}
        if not isinstance(item, dict) or "output" not in item:
            problems.append("check.loss: expected {output: NAME, weight: INPUT} (weight optional)")
        else:
            problems += schema.unknown_keys(item, {"output", "weight"}, "check.loss.")
            loss, weight = item["output"], item.get("weight")
            if loss not in saved:
                problems.append(f"check.loss.output: {loss!r} must be an output saved by a step "
                                f"({', '.join(sorted(saved)) or 'none'})")
            if weight is not None and weight not in real:
                problems.append(f"check.loss.weight: {weight!r} is not a real-valued input")
    gradients = raw.get("gradients") or {}
    if not isinstance(gradients, dict):
        problems.append("check.gradients: expected a mapping of output to input, e.g. {dx: x}")
        gradients = {}
    for out, inp in gradients.items():
        if out not in outputs:
            problems.append(f"check.gradients.{out}: not an output of the exercise")
        if inp not in real:
            problems.append(f"check.gradients.{out}: {inp!r} is not a real-valued input")
    if gradients and loss is None:
        problems.append("check.gradients: needs check.loss, the scalar they are the gradients of")
    distinct = raw.get("distinct") or []
    if not isinstance(distinct, list) or not all(d in real for d in distinct):
        problems.append("check.distinct: expected a list of real-valued inputs")
        distinct = []
    probes = raw.get("probes") or []
    if not isinstance(probes, list) or not all(isinstance(p, dict) for p in probes):
        problems.append("check.probes: expected a list of parameter mappings")
        probes = []
    small = raw.get("small", CheckSpec.small)
    problem = schema.check_int(small, "check.small", low=1, high=10**6)
    if problem:
        problems.append(problem)
        small = CheckSpec.small
    suggest = raw.get("suggest") or {}
    if not isinstance(suggest, dict) or not all(isinstance(v, str) for v in suggest.values()):
        problems.append("check.suggest: expected a mapping of mutation kind to advice")
        suggest = {}
    if suggest:
        problems += schema.unknown_keys(suggest, set(MUTATION_OPERATORS), "check.suggest.")
    return CheckSpec(loss, weight, tuple(gradients.items()), tuple(distinct), tuple(probes),
                     small, tuple(suggest.items()))


def _check_expr(text, names, where, problems):
    try:
        unknown = expr.names(text) - names
    except expr.ExprError as err:
        problems.append(f"{where}: {err}")
        return
    if unknown:
        problems.append(f"{where}: unknown name {sorted(unknown)[0]!r}")
