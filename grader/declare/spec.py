"""What an exercise declares, as data: its parameters, inputs, steps, outputs and checks.

Built from exercise.yaml by grader.declare.build; nothing here knows a particular layer.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from grader import settings
from grader.settings import DEFAULTS

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DISTRIBUTIONS = {
    "normal": {"mean": 0.0, "std": 1.0},
    "uniform": {"low": -1.0, "high": 1.0},
    "integers": {"low": -3, "high": 3},
}
INPUT_KINDS = ("real", "labels")
DEFAULT_TOLERANCE = {"atol": DEFAULTS.atol, "rtol": DEFAULTS.rtol}
DEFAULT_LIMITS = {"time": DEFAULTS.time_limit, "memory": DEFAULTS.memory_limit}


# the kinds of mistake `judge check` puts into a reference (grader.check.mutate),
# which `check.suggest` may word for an exercise: kind -> what it imitates
MUTATION_OPERATORS = {
    "transpose": "a transpose dropped or its axes permuted",
    "axis": "a reduction over the wrong axis",
    "reduction": "sum and mean (or max and min) confused",
    "sign": "a sign flipped",
    "scale": "a factor or divisor dropped",
    "off_by_one": "a size or index off by one",
    "hyperparameter": "a hyper-parameter replaced by a constant",
    "accumulate": "+= replaced by =",
    "matmul": "the operands of a matrix product swapped",
    "swap_args": "two arguments swapped",
    "delete": "a statement left out",
    "compare": "a comparison flipped",
}


def project_root():
    """The folder holding exercises/, reference/ and cases/."""
    return settings.current().project_root


PARAM_KINDS = ("int", "list")


@dataclass(frozen=True)
class Param:
    name: str
    min: int = 0                # for a list: bounds of every element
    max: int = None
    default: object = None      # an int, or a list of ints for kind "list"
    doc: str = ""
    kind: str = "int"           # "int", or "list": a list of ints, e.g. the sizes of extra axes
    min_len: int = 1            # kind "list" only: how many elements it may have
    max_len: int = None


@dataclass(frozen=True)
class InputSpec:
    name: str
    shape: tuple
    kind: str = "real"          # "real": float64 drawn from a distribution
    draw: str = "normal"        # "labels": int64 class indices in [0, classes)
    classes: str = None         # expression, for kind "labels"
    onehot: str = None          # expression; when true, labels become one-hot rows


@dataclass(frozen=True)
class CheckSpec:
    """How `judge check` tests the reference and the strength of the cases.

    ``loss``/``weight`` give the scalar loss: L = sum(output * weight), or the
    output itself when there is no weight. ``gradients`` maps an output to the
    input it is the gradient of. Without gradients (a forward-only exercise),
    a mutant is equivalent when it agrees with the reference on the probes.
    """
    loss: str = None
    weight: str = None
    gradients: tuple = ()       # ((output, input), ...)
    distinct: tuple = ()        # inputs drawn without ties for finite differences
    probes: tuple = ()          # raw mappings, parsed like cases by grader.check.probes
    small: int = 2000           # finite differences on cases with at most this many entries to vary
    suggest: tuple = ()         # ((operator, text), ...) advice worded for this exercise


@dataclass(frozen=True)
class Step:
    call: str
    args: tuple = ()
    save: str = None


@dataclass(frozen=True)
class Exercise:
    id: str
    folder: Path
    title: dict
    level: int
    class_name: str
    helpers: tuple
    params: dict
    constraints: tuple
    inputs: dict
    construct_args: tuple
    construct_kwargs: dict
    steps: tuple
    outputs: tuple
    tolerance: dict
    limits: dict
    extra: dict = field(default_factory=dict)
    check: CheckSpec = field(default_factory=CheckSpec)

    @property
    def skeleton(self):
        return self.folder / "skeleton.py"

    @property
    def reference(self):
        return project_root() / "reference" / f"{self.id}.py"

    @property
    def cases_dir(self):
        return project_root() / "cases" / self.id

    @property
    def helpers_dir(self):
        return project_root() / "exercises" / "lib"

    def statement(self, lang="en"):
        return self.folder / f"statement.{lang}.md"

    def display_title(self, lang="en"):
        return self.title.get(lang) or next(iter(self.title.values()), self.id)
