"""Tiny, safe arithmetic on named integers, for shapes and constraints.

Exercise declarations write sizes such as ``(H + 2*pad - FH)//stride + 1``.
Only integer literals, names, ``+ - * // %``, unary minus, parentheses,
comparisons and ``prod(NAME)`` (the product of a list-valued parameter) are
allowed; anything else is rejected before evaluation.
"""

import ast
import operator

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_CMPOPS = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


class ExprError(ValueError):
    pass


def parse(text):
    """Parse ``text`` and check it only uses the allowed syntax."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ExprError(f"expected an integer or an expression, got {text!r}")
    text = str(text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ExprError(f"{text!r} is not a valid expression") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
                    and len(node.args) == 1 and isinstance(node.args[0], ast.Name)
                    and not node.keywords):
                raise ExprError(f"{text!r}: the only call allowed is prod(NAME) of a list parameter")
            continue
        if isinstance(node, (ast.Expression, ast.Name, ast.Load, ast.BinOp,
                             ast.UnaryOp, ast.USub, ast.UAdd, ast.Compare)):
            continue
        if type(node) in _BINOPS or type(node) in _CMPOPS:
            continue
        if isinstance(node, ast.Constant) and type(node.value) is int:
            continue
        raise ExprError(f"{text!r} uses something other than integers, names and + - * // %")
    return tree


_FUNCTIONS = {"prod"}


def names(text):
    """The names an expression refers to (not the functions it calls)."""
    tree = parse(text)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def evaluate(text, env):
    """Evaluate ``text`` with the integer values in ``env``."""
    return _eval(parse(text).body, env, str(text))


def _lookup(name, env, text):
    if name not in env:
        raise ExprError(f"{text!r} refers to unknown name {name!r}")
    return env[name]


def _eval(node, env, text):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call):                      # prod(NAME), checked by parse()
        values = _lookup(node.args[0].id, env, text)
        if not isinstance(values, (list, tuple)):
            raise ExprError(f"{text!r}: prod() takes a list parameter, {node.args[0].id!r} is a number")
        result = 1
        for value in values:
            result *= value
        return result
    if isinstance(node, ast.Name):
        value = _lookup(node.id, env, text)
        if isinstance(value, (list, tuple)):
            raise ExprError(f"{text!r}: {node.id!r} is a list; use prod({node.id}) or *{node.id} in a shape")
        return value
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env, text)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env, text), _eval(node.right, env, text)
        if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and right == 0:
            raise ExprError(f"{text!r} divides by zero")
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env, text)
        for op, comparator in zip(node.ops, node.comparators):
            right = _eval(comparator, env, text)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True
    raise ExprError(f"{text!r} cannot be evaluated")  # pragma: no cover
