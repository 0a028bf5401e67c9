"""Mutants: the reference with one small, typical mistake put into the student's region.

Each operator rewrites one node of the code between the Begin/End markers
(parsed with ``ast``) and splices the new text back into the file, so the
rest of the reference, comments and markers included, stays byte for byte
the same. A mutant knows its line in the reference, the code before and
after, and which kind of mistake it imitates, so `judge check` can say what
kind of case would catch it. Nothing here knows a particular layer.
"""

import ast
import copy
from dataclasses import dataclass

from grader.declare.spec import MUTATION_OPERATORS as OPERATORS
from grader.pipeline import splice

__all__ = ["OPERATORS", "Mutant", "mutants"]

_REDUCTIONS = {"sum", "mean", "max", "min", "argmax", "argmin", "prod", "repeat",
               "cumsum", "any", "all", "amax", "amin", "nansum", "concatenate", "stack"}
_SWAPPED_REDUCTION = {"sum": "mean", "mean": "sum", "max": "min", "min": "max",
                      "argmax": "argmin", "argmin": "argmax", "amax": "amin", "amin": "amax"}
_CONSTRUCTORS = {"zeros", "zeros_like", "empty", "empty_like", "ones", "ones_like",
                 "arange", "eye", "full", "full_like"}
_MATMUL = {"dot", "matmul"}
_COMPARE = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
            ast.Gt: ast.GtE, ast.GtE: ast.Gt}


@dataclass(frozen=True)
class Mutant:
    operator: str           # a key of OPERATORS
    line: int               # first line of the change in the reference (1-based)
    before: str             # the code there, as the reference writes it
    after: str              # the same place in the mutant
    source: str             # the whole mutated file
    param: str = None       # for "hyperparameter": the exercise parameter replaced
    value: object = None    # the constant it was replaced with, the swapped texts, ...

    def diff(self):
        return f"line {self.line}: `{self.before}` -> `{self.after}`"


def mutants(source, hyper=None):
    """Every distinct mutant of the student regions of ``source``.

    ``hyper`` maps attribute names of ``self`` that hold integer
    hyper-parameters (``stride``) to the exercise parameter they come from.
    Raises SyntaxError when ``source`` does not parse, splice.SpliceError when
    its markers are broken.
    """
    hyper = hyper or {}
    lines = source.split("\n")
    spans = [(begin + 2, end) for begin, end in splice.regions(lines, "reference")]
    tree = ast.parse(source)
    parents = _parents(tree)
    inside = [n for n in ast.walk(tree) if _within(n, spans)]
    inside.sort(key=lambda n: (n.lineno, n.col_offset, -(n.end_lineno or 0), -(n.end_col_offset or 0)))
    seen, found = {source}, []
    for node in inside:
        for operator, new, info in _rewrites(node, parents, hyper):
            text = _apply(source, lines, tree, node, new, parents)
            if text is None or text in seen:
                continue
            seen.add(text)
            before, after = _shown(lines, text.split("\n"), _statement(node, parents))
            param, value = info if isinstance(info, tuple) else (None, info)
            found.append(Mutant(operator, node.lineno, before, after, text, param, value))
    return found


# ---------------------------------------------------------------- operators

def _rewrites(node, parents, hyper):
    """(operator, replacement node, info) for every mistake imitated at ``node``."""
    out = []
    add = lambda op, new, info=None: out.append((op, new, info))
    parent = parents.get(id(node), (None, None, None))[0]

    if isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
        add("transpose", node.value)
    if isinstance(node, ast.Call):
        name = _func_name(node)
        method = isinstance(node.func, ast.Attribute) and not _is_numpy(node.func.value)
        on_numpy = isinstance(node.func, ast.Attribute) and _is_numpy(node.func.value)
        args = node.args
        if name in ("transpose", "swapaxes"):
            if method:
                add("transpose", node.func.value)
                axes = args[0].elts if len(args) == 1 and isinstance(args[0], ast.Tuple) else args
                for i in range(len(axes)):
                    for j in range(i + 1, len(axes)):
                        swapped = list(axes)
                        swapped[i], swapped[j] = swapped[j], swapped[i]
                        new_args = [ast.Tuple(swapped, ast.Load())] if axes is not args else swapped
                        add("transpose", _call(node, args=new_args))
            elif on_numpy and args:
                add("transpose", args[0])
        if name in _REDUCTIONS and (method or on_numpy):
            _axis_rewrites(node, method, add)
        if name in _SWAPPED_REDUCTION and (method or on_numpy):
            func = copy.deepcopy(node.func)
            func.attr = _SWAPPED_REDUCTION[name]
            add("reduction", _call(node, func=func), (None, f"{name} -> {func.attr}"))
        if name == "reshape" and (method or on_numpy):
            sizes = args[1:] if on_numpy else args
            offset = 1 if on_numpy else 0
            if len(sizes) == 1 and isinstance(sizes[0], ast.Tuple):
                for k, size in enumerate(sizes[0].elts):
                    for changed in _plus_minus(size):
                        elts = list(sizes[0].elts)
                        elts[k] = changed
                        new_args = list(args)
                        new_args[offset] = ast.Tuple(elts, ast.Load())
                        add("off_by_one", _call(node, args=new_args))
            else:
                for k, size in enumerate(sizes):
                    for changed in _plus_minus(size):
                        new_args = list(args)
                        new_args[offset + k] = changed
                        add("off_by_one", _call(node, args=new_args))
        if name in ("arange", "range") and len(args) == 1 and (on_numpy or isinstance(node.func, ast.Name)):
            for changed in _plus_minus(args[0]):
                add("off_by_one", _call(node, args=[changed]))
        if name in _MATMUL and on_numpy and len(args) == 2:
            add("matmul", _call(node, args=[args[1], args[0]]))
        if name not in _MATMUL and len(args) >= 2:
            for k in range(len(args) - 1):
                a, b = args[k], args[k + 1]
                if _simple(a) and _simple(b) and ast.dump(a) != ast.dump(b):
                    new_args = list(args)
                    new_args[k], new_args[k + 1] = b, a
                    add("swap_args", _call(node, args=new_args),
                        (None, (ast.unparse(a), ast.unparse(b))))
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.MatMult):
            add("matmul", ast.BinOp(node.right, ast.MatMult(), node.left))
        if isinstance(node.op, (ast.Add, ast.Sub)):
            op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
            add("sign", ast.BinOp(node.left, op, node.right))
        if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mult)) and not _in_size(node, parents):
            add("scale", node.left, (None, ast.unparse(node.right)))
            if isinstance(node.op, ast.Mult):
                add("scale", node.right, (None, ast.unparse(node.left)))
        for side in ("left", "right"):
            operand = getattr(node, side)
            if isinstance(operand, ast.Constant) and type(operand.value) is int:
                for changed in _plus_minus(operand):
                    new = ast.BinOp(node.left, node.op, node.right)
                    setattr(new, side, changed)
                    add("off_by_one", new)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _int_value(node) is None:
        add("sign", node.operand)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        add("compare", ast.Compare(node.left, [_COMPARE[type(node.ops[0])]()], node.comparators))
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id == "self" and node.attr in hyper and isinstance(node.ctx, ast.Load):
        for constant in (0, 1):
            add("hyperparameter", ast.Constant(constant), (hyper[node.attr], constant))
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        _index_rewrites(node, add)
    if isinstance(node, ast.AugAssign):
        add("accumulate", ast.Assign([_store(node.target)], node.value))
        if isinstance(node.op, (ast.Add, ast.Sub)):
            op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
            add("sign", ast.AugAssign(node.target, op, node.value))
        if isinstance(node.value, ast.Constant) and type(node.value.value) is int:
            for changed in _plus_minus(node.value):
                add("off_by_one", ast.AugAssign(node.target, node.op, changed))
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
            and _dotted(node.value.func) in ("np.add.at", "numpy.add.at") and len(node.value.args) == 3:
        target, index, value = node.value.args
        add("accumulate", ast.Assign([ast.Subscript(target, index, ast.Store())], value))
    if isinstance(node, (ast.Assign, ast.Return)) and node.value is not None and _negatable(node):
        if isinstance(node, ast.Assign):
            add("sign", ast.Assign(node.targets, ast.UnaryOp(ast.USub(), node.value)))
        else:
            add("sign", ast.Return(ast.UnaryOp(ast.USub(), node.value)))
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)) \
            and isinstance(parent, (ast.FunctionDef, ast.If, ast.For, ast.While, ast.With)):
        add("delete", ast.Pass())
    return out


def _axis_rewrites(node, method, add):
    axis = next((k for k in node.keywords if k.arg == "axis"), None)
    position = 0 if method else 1
    if axis is not None:
        value = axis.value
        rest = [k for k in node.keywords if k is not axis]
        add("axis", _call(node, keywords=rest), (None, "no axis"))
        for changed in _other_axes(value):
            keywords = [ast.keyword("axis", changed) if k is axis else k for k in node.keywords]
            add("axis", _call(node, keywords=keywords))
    elif _func_name(node) != "repeat" and len(node.args) > position \
            and isinstance(node.args[position], (ast.Constant, ast.Tuple, ast.UnaryOp)):
        add("axis", _call(node, args=node.args[:position]), (None, "no axis"))
        for changed in _other_axes(node.args[position]):
            args = list(node.args)
            args[position] = changed
            add("axis", _call(node, args=args))


def _other_axes(value):
    number = _int_value(value)
    if number is not None:
        return [_int_node(k) for k in sorted({0, 1, -1, number - 1, number + 1} - {number}) if k >= -1]
    if isinstance(value, ast.Tuple) and len(value.elts) > 1:
        return [ast.Tuple([e for j, e in enumerate(value.elts) if j != i], ast.Load())
                for i in range(len(value.elts))]
    return []


def _index_rewrites(node, add):
    index = node.slice
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    for k, item in enumerate(items):
        variants = []
        if isinstance(item, ast.Slice):
            for part in ("lower", "upper"):
                bound = getattr(item, part)
                if bound is not None:
                    for changed in _plus_minus(bound):
                        new = copy.copy(item)
                        setattr(new, part, changed)
                        variants.append(new)
        elif _int_value(item) is not None:
            variants = _plus_minus(item)
        for changed in variants:
            new_items = list(items)
            new_items[k] = changed
            new_index = ast.Tuple(new_items, ast.Load()) if isinstance(index, ast.Tuple) else changed
            add("off_by_one", ast.Subscript(node.value, new_index, node.ctx))


def _plus_minus(size):
    """``size + 1`` and ``size - 1`` (a literal is changed in place); nothing for -1 or *args."""
    if isinstance(size, ast.Starred):
        return []
    number = _int_value(size)
    if number is not None:
        if number == -1:
            return []
        return [_int_node(number + 1)] + ([_int_node(number - 1)] if number >= 1 else [])
    return [ast.BinOp(size, ast.Add(), ast.Constant(1)), ast.BinOp(size, ast.Sub(), ast.Constant(1))]


def _negatable(node):
    """Whether putting a minus in front of the assigned or returned value makes sense."""
    value = node.value
    if isinstance(node, ast.Assign) and (len(node.targets) != 1 or isinstance(node.targets[0], ast.Tuple)):
        return False
    if isinstance(value, (ast.Tuple, ast.Constant, ast.List, ast.Dict, ast.UnaryOp)):
        return False
    if isinstance(value, ast.Call) and _func_name(value) in _CONSTRUCTORS:
        return False
    if isinstance(value, ast.Attribute) and value.attr in ("shape", "size", "ndim"):
        return False
    return True


def _in_size(node, parents):
    """True inside the arguments of a reshape: scaling a size there is an off-by-one matter."""
    current = node
    while id(current) in parents:
        parent = parents[id(current)][0]
        if isinstance(parent, ast.Call) and _func_name(parent) == "reshape":
            return True
        if isinstance(parent, ast.stmt):
            return False
        current = parent
    return False


# ---------------------------------------------------------------- helpers

def _call(node, func=None, args=None, keywords=None):
    return ast.Call(func if func is not None else node.func,
                    list(args) if args is not None else node.args,
                    list(keywords) if keywords is not None else node.keywords)


def _store(target):
    target = copy.deepcopy(target)
    target.ctx = ast.Store()
    return target


def _func_name(call):
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def _is_numpy(node):
    return isinstance(node, ast.Name) and node.id in ("np", "numpy")


def _simple(node):
    return isinstance(node, (ast.Name, ast.Attribute, ast.Constant))


def _int_value(node):
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _int_node(value):
    return ast.Constant(value) if value >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-value))


def _parents(tree):
    parents = {}
    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        parents[id(item)] = (node, field, index)
            elif isinstance(value, ast.AST):
                parents[id(value)] = (node, field, None)
    return parents


def _within(node, spans):
    if not hasattr(node, "lineno") or node.end_lineno is None:
        return False
    return any(first <= node.lineno and node.end_lineno <= last for first, last in spans)


def _substitute(parents, node, new):
    """Put ``new`` where ``node`` is in the tree; return a function that undoes it."""
    parent, field, index = parents[id(node)]
    if index is None:
        setattr(parent, field, new)
        return lambda: setattr(parent, field, node)
    getattr(parent, field)[index] = new
    return lambda: getattr(parent, field).__setitem__(index, node)


def _apply(source, lines, tree, node, new, parents):
    """The source with ``node`` rewritten as ``new``, or None if that cannot be written."""
    if id(node) not in parents:
        return None
    undo = _substitute(parents, node, new)
    try:
        wanted = ast.dump(tree)
    finally:
        undo()
    text = ast.unparse(ast.fix_missing_locations(new))
    start = _offset(lines, node.lineno, node.col_offset)
    end = _offset(lines, node.end_lineno, node.end_col_offset)
    for candidate in (text, f"({text})"):
        mutated = source[:start] + candidate + source[end:]
        try:
            if ast.dump(ast.parse(mutated)) == wanted:
                return mutated
        except SyntaxError:
            pass
    return None


def _offset(lines, lineno, col):
    """Character offset in the whole text of (line, UTF-8 byte column)."""
    before = sum(len(line) + 1 for line in lines[:lineno - 1])
    return before + len(lines[lineno - 1].encode("utf-8")[:col].decode("utf-8", errors="ignore"))


def _statement(node, parents):
    """The statement holding ``node`` (the node itself for a statement)."""
    while not isinstance(node, ast.stmt) and id(node) in parents:
        node = parents[id(node)][0]
    return node


def _shown(old_lines, new_lines, node):
    """The lines of ``node`` before and after the change, each joined into one line."""
    last = node.end_lineno
    if getattr(node, "body", None):             # a compound statement: its header only
        last = max(node.lineno, node.body[0].lineno - 1)
    count = last - node.lineno + 1
    extra = len(new_lines) - len(old_lines)
    before = " ".join(line.strip() for line in old_lines[node.lineno - 1:last])
    after = " ".join(line.strip() for line in new_lines[node.lineno - 1:node.lineno - 1 + count + extra])
    return before, after
