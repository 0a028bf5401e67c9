"""Tiny, safe arithmetic on named integers, for shapes and constraints.

Exercise declarations write sizes such as ``(H + 2*pad - FH)//stride + 1``.
Only integer literals, names, ``+ - * // %``, unary minus, parentheses and
comparisons are allowed; anything else is rejected before evaluation.
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
        if isinstance(node, (ast.Expression, ast.Name, ast.Load, ast.BinOp,
                             ast.UnaryOp, ast.USub, ast.UAdd, ast.Compare)):
            continue
        if type(node) in _BINOPS or type(node) in _CMPOPS:
            continue
        if isinstance(node, ast.Constant) and type(node.value) is int:
            continue
        raise ExprError(f"{text!r} uses something other than integers, names and + - * // %")
    return tree


def names(text):
    """The names an expression refers to."""
    return {n.id for n in ast.walk(parse(text)) if isinstance(n, ast.Name)}


def evaluate(text, env):
    """Evaluate ``text`` with the integer values in ``env``."""
    return _eval(parse(text).body, env, str(text))


def _eval(node, env, text):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise ExprError(f"{text!r} refers to unknown name {node.id!r}")
        return env[node.id]
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
