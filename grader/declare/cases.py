"""Test cases: YAML files under ``cases/<exercise>/``.

A file holds ``cases:``, a list of mappings. Each case names itself, gives a
seed and the exercise's hyper-parameters, and may say how inputs are drawn,
how many points it is worth, whether students see it, and override the
tolerance and limits. Every problem is reported as
``file: case 'name': key: what is wrong``.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from grader.declare import exercise as exercises
from grader.declare import expr, schema
from grader.errors import JudgeError
from grader.settings import DEFAULTS

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
VISIBILITIES = ("public", "hidden")
CASE_KEYS = {"name", "description", "seed", "params", "draw", "points", "visibility",
             "tolerance", "time_limit", "memory_limit"}
FILE_KEYS = {"exercise", "cases"}
MAX_ELEMENTS = DEFAULTS.max_case_elements
MAX_TIME_LIMIT = DEFAULTS.max_time_limit
MAX_MEMORY_LIMIT = DEFAULTS.max_memory_limit


@dataclass(frozen=True)
class Draw:
    dist: str
    args: tuple                 # ((name, value), ...) in a fixed order


@dataclass(frozen=True)
class Case:
    name: str
    seed: int
    params: dict
    draw: dict                  # input name -> Draw
    points: int
    visibility: str
    atol: float
    rtol: float
    time_limit: float
    memory_limit: int
    description: str = ""
    file: str = ""

    @property
    def public(self):
        return self.visibility == "public"

    def shapes(self, ex):
        return {name: input_shape(spec, self.params) for name, spec in ex.inputs.items()}


def dims(shape, params):
    """Evaluate a declared shape: each entry an expression, or ``*name`` of a list parameter."""
    result = []
    for dim in shape:
        text = str(dim).strip()
        if text.startswith("*"):
            result += [int(v) for v in params[text[1:].strip()]]
        else:
            result.append(expr.evaluate(dim, params))
    return result


def input_shape(spec, params):
    shape = dims(spec.shape, params)
    if spec.kind == "labels" and spec.onehot and expr.evaluate(spec.onehot, params):
        shape.append(expr.evaluate(spec.classes, params))
    return tuple(shape)


class CaseFileError(JudgeError):
    """One or more problems in case files; ``problems`` lists them all."""

    def __init__(self, problems):
        self.problems = list(problems)
        more = f" (and {len(problems) - 1} more; run `judge cases validate`)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


display = exercises.display


def case_files(folder):
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def parse_file(path, ex, text=None):
    """Return (cases, problems) for one file of exercise ``ex``."""
    label = display(path)
    data, problem = schema.load_yaml(path, text)
    if problem:
        return [], [f"{label}: {problem}"]
    if not isinstance(data, dict):
        return [], [f"{label}: the file must be a mapping with a `cases:` list, "
                    f"got {type(data).__name__ if data is not None else 'an empty file'}"]
    problems = [f"{label}: {p}" for p in schema.unknown_keys(data, FILE_KEYS, "")]
    if "exercise" in data and data["exercise"] != ex.id:
        problems.append(f"{label}: exercise: says {schema.describe(data['exercise'])} "
                        f"but the file is graded for {ex.id!r}")
    items = data.get("cases")
    if items is None:
        return [], problems + [f"{label}: cases: missing; write `cases:` followed by a list of cases"]
    if not isinstance(items, list) or not items:
        return [], problems + [f"{label}: cases: expected a non-empty list of cases"]
    cases = []
    for index, item in enumerate(items):
        case, case_problems = parse_case(item, index, ex, label)
        problems += case_problems
        if case is not None and not case_problems:
            cases.append(case)
    return cases, problems


def parse_case(item, index, ex, label):
    if not isinstance(item, dict):
        return None, [f"{label}: case #{index + 1}: expected a mapping (name, seed, params, ...), "
                      f"got {schema.describe(item)}"]
    name = item.get("name")
    if isinstance(name, str) and NAME_PATTERN.match(name):
        who = f"{label}: case {name!r}: "
    else:
        who = f"{label}: case #{index + 1}: "
    problems = [who + p for p in schema.unknown_keys(item, CASE_KEYS, "")]

    def bad(text):
        problems.append(who + text)

    if name is None:
        bad("name: missing; give every case a unique name")
    elif not isinstance(name, str) or not NAME_PATTERN.match(name):
        bad(f"name: {schema.describe(name)} is not a valid name (letters, digits, _ . -; at most 64)")

    seed = item.get("seed")
    if seed is None:
        bad("seed: missing; any whole number from 0 up")
    else:
        p = schema.check_int(seed, "seed", low=0, high=2**63 - 1)
        if p:
            bad(p)

    params = {}
    raw_params = item.get("params", {})
    params_ok = isinstance(raw_params, dict)
    if not params_ok:
        bad(f"params: expected a mapping of {', '.join(ex.params)}")
        raw_params = {}
    for key, value in raw_params.items():
        if key not in ex.params:
            bad(f"params.{key}: unknown parameter{schema.suggest(key, ex.params)}; "
                f"{ex.id} takes {', '.join(ex.params)}")
            continue
        spec = ex.params[key]
        p = (_check_list(value, f"params.{key}", spec) if spec.kind == "list"
             else schema.check_int(value, f"params.{key}", low=spec.min, high=spec.max))
        if p:
            bad(p)
        else:
            params[key] = value
    for key, spec in ex.params.items():
        if key not in raw_params and params_ok:
            if spec.default is None:
                bad(f"params.{key}: missing ({spec.doc or 'required'})")
            else:
                params[key] = spec.default
    if len(params) == len(ex.params):
        for check, message in ex.constraints:
            try:
                ok = expr.evaluate(check, params)
            except expr.ExprError as err:
                ok, message = False, str(err)
            if not ok:
                bad(f"params: {message} ({check} does not hold)")
        if not problems:
            total = 0
            for input_name, spec in ex.inputs.items():
                try:
                    shape = input_shape(spec, params)
                except expr.ExprError as err:
                    bad(f"params: {err}")
                    break
                if any(dim < 1 for dim in shape):
                    bad(f"params: input {input_name!r} would have shape {shape}; "
                        f"every size must be at least 1")
                total += _product(shape)
            if total > MAX_ELEMENTS:
                bad(f"params: the inputs would hold {total:,} numbers, "
                    f"more than the {MAX_ELEMENTS:,} a case may use")

    draw = _parse_draw(item.get("draw"), ex, bad)

    points = item.get("points", 1)
    p = schema.check_int(points, "points", low=0, high=1_000_000)
    if p:
        bad(p)
    visibility = item.get("visibility", "public")
    if visibility not in VISIBILITIES:
        bad(f"visibility: must be public or hidden, got {schema.describe(visibility)}")

    atol, rtol = ex.tolerance["atol"], ex.tolerance["rtol"]
    tolerance = item.get("tolerance", {})
    if not isinstance(tolerance, dict):
        bad("tolerance: expected {atol: NUMBER, rtol: NUMBER}")
        tolerance = {}
    problems += [who + p for p in schema.unknown_keys(tolerance, {"atol", "rtol"}, "tolerance.")]
    for key in ("atol", "rtol"):
        if key in tolerance:
            p = schema.check_number(tolerance[key], f"tolerance.{key}", low=0, high=DEFAULTS.max_tolerance)
            if p:
                bad(p)
    atol = float(tolerance.get("atol", atol)) if schema.is_number(tolerance.get("atol", atol)) else atol
    rtol = float(tolerance.get("rtol", rtol)) if schema.is_number(tolerance.get("rtol", rtol)) else rtol

    time_limit = item.get("time_limit", ex.limits["time"])
    p = schema.check_number(time_limit, "time_limit", low=0, low_open=True, high=MAX_TIME_LIMIT)
    if p:
        bad(p + " (seconds)")
    memory_limit = item.get("memory_limit", ex.limits["memory"])
    p = schema.check_int(memory_limit, "memory_limit", low=DEFAULTS.min_memory_limit, high=MAX_MEMORY_LIMIT)
    if p:
        bad(p + " (megabytes)")
    description = item.get("description", "")
    if not isinstance(description, str):
        bad("description: expected text")

    if problems:
        return None, problems
    return Case(name=name, seed=seed, params=params, draw=draw, points=points,
                visibility=visibility, atol=atol, rtol=rtol,
                time_limit=float(time_limit), memory_limit=memory_limit,
                description=description), []


def _check_list(value, where, spec):
    """A problem with a list-valued parameter, or None."""
    if not isinstance(value, list):
        return f"{where}: expected a list of whole numbers, e.g. [3, 4], got {schema.describe(value)}"
    if len(value) < spec.min_len:
        return f"{where}: needs at least {spec.min_len} numbers, got {len(value)}"
    if spec.max_len is not None and len(value) > spec.max_len:
        return f"{where}: takes at most {spec.max_len} numbers, got {len(value)}"
    for i, item in enumerate(value):
        p = schema.check_int(item, f"{where}[{i}]", low=spec.min, high=spec.max)
        if p:
            return p
    return None


def _parse_draw(raw, ex, bad):
    """Turn the `draw` key into {input: Draw} for every real-valued input."""
    result = {name: Draw(spec.draw, tuple(exercises.DISTRIBUTIONS[spec.draw].items()))
              for name, spec in ex.inputs.items() if spec.kind == "real"}
    if raw is None:
        return result
    if isinstance(raw, str) or (isinstance(raw, dict) and "dist" in raw):
        parsed = _parse_one_draw(raw, "draw", bad)
        return {name: parsed for name in result} if parsed else result
    if not isinstance(raw, dict):
        bad("draw: expected a distribution name (normal, uniform, integers) "
            "or a mapping of input name to distribution")
        return result
    for name, value in raw.items():
        if name not in ex.inputs:
            bad(f"draw.{name}: unknown input{schema.suggest(name, ex.inputs)}; "
                f"inputs are {', '.join(ex.inputs)}")
        elif name not in result:
            bad(f"draw.{name}: {name} is drawn by the exercise (labels) and takes no distribution")
        else:
            parsed = _parse_one_draw(value, f"draw.{name}", bad)
            if parsed:
                result[name] = parsed
    return result


def _parse_one_draw(value, where, bad):
    if isinstance(value, str):
        value = {"dist": value}
    if not isinstance(value, dict):
        bad(f"{where}: expected a distribution name or {{dist: NAME, ...}}")
        return None
    dist = value.get("dist")
    if dist not in exercises.DISTRIBUTIONS:
        bad(f"{where}.dist: must be one of {', '.join(exercises.DISTRIBUTIONS)}, "
            f"got {schema.describe(dist)}{schema.suggest(dist, exercises.DISTRIBUTIONS)}")
        return None
    defaults = exercises.DISTRIBUTIONS[dist]
    for key in value:
        if key != "dist" and key not in defaults:
            bad(f"{where}.{key}: {dist} takes {', '.join(defaults)}")
            return None
    args = dict(defaults)
    for key in defaults:
        if key in value:
            check = schema.check_int if dist == "integers" else schema.check_number
            p = check(value[key], f"{where}.{key}", low=-1e9, high=1e9)
            if p:
                bad(p)
                return None
            args[key] = value[key]
    if dist == "normal" and not args["std"] > 0:
        bad(f"{where}.std: must be greater than 0")
        return None
    if dist in ("uniform", "integers") and not args["low"] <= args["high"]:
        bad(f"{where}: low ({args['low']}) is greater than high ({args['high']})")
        return None
    return Draw(dist, tuple(args.items()))


def _product(shape):
    total = 1
    for dim in shape:
        total *= dim
    return total


def load(ex, path=None):
    """All cases of ``ex`` from ``path`` (a file or folder; default: its cases folder).

    Raises CaseFileError listing every problem, JudgeError when there is nothing to load.
    """
    path = Path(path) if path is not None else ex.cases_dir
    if not path.exists():
        raise JudgeError(f"{display(path)}: no such file or folder; "
                         f"give a YAML case file or a folder of them")
    files = case_files(path) if path.is_dir() else [path]
    if not files:
        raise JudgeError(f"{display(path)}: no .yaml case files here; "
                         f"write one (see `judge new-case {ex.id}`)")
    cases, problems, seen = [], [], {}
    for file in files:
        file_cases, file_problems = parse_file(file, ex)
        problems += file_problems
        for case in file_cases:
            if case.name in seen:
                problems.append(f"{display(file)}: case {case.name!r}: name: already used in "
                                f"{seen[case.name]}; names must be unique")
                continue
            seen[case.name] = display(file)
            cases.append(_with_file(case, display(file)))
    if problems:
        raise CaseFileError(problems)
    return cases


def _with_file(case, file):
    from dataclasses import replace
    return replace(case, file=file)


def exercise_of(path):
    """Guess which exercise a case file or folder belongs to."""
    path = Path(path).resolve()
    known = exercises.available()
    for candidate in [path] + list(path.parents)[:2]:
        if candidate.name in known:
            return candidate.name
    if path.is_file():
        data, _ = schema.load_yaml(path)
        if isinstance(data, dict) and data.get("exercise") in known:
            return data["exercise"]
    return None


def validate(path=None):
    """Check case files; return (number of valid cases, problems)."""
    root = exercises.project_root() / "cases"
    targets = []
    if path is None:
        if not root.is_dir():
            return 0, [f"{display(root)}: no cases folder"]
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            targets.append((folder, folder.name))
    else:
        path = Path(path)
        if not path.exists():
            return 0, [f"{display(path)}: no such file or folder"]
        if path.is_dir() and path.resolve() == root.resolve():
            return validate(None)
        targets.append((path, exercise_of(path)))
    count, problems = 0, []
    for target, exercise_id in targets:
        unreadable = schema.load_yaml(target)[1] if exercise_id is None and target.is_file() else None
        if unreadable:
            problems.append(f"{display(target)}: {unreadable}")
            continue
        if exercise_id is None:
            problems.append(f"{display(target)}: cannot tell which exercise these cases are for; "
                            f"put them under cases/<exercise>/ or add `exercise: <id>` at the top")
            continue
        try:
            ex = exercises.load(exercise_id)
        except JudgeError as err:
            problems.append(f"{display(target)}: {err}")
            continue
        try:
            count += len(load(ex, target))
        except CaseFileError as err:
            problems += err.problems
        except JudgeError as err:
            problems.append(str(err))
    return count, problems
