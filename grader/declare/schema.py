"""Small helpers to check hand-written YAML and say precisely what is wrong.

Every problem is a plain string ``"<where>: <what is wrong>"``; callers
prefix the file name (and case name) so an instructor can go straight to it.
"""

import difflib
import math

import yaml

from grader.settings import DEFAULTS


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's parser when available


class _UniqueKeyLoader(_BASE):
    """A safe loader that refuses a key written twice in one mapping."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":      # `<<: *defaults`: may be overridden
            continue
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark)
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is written twice", key_node.start_mark)
        seen.add(key)
    return _BASE.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


MAX_NODES = DEFAULTS.max_yaml_nodes


class _TooLarge(Exception):
    pass


def _expanded(node, memo):
    """How many values ``node`` stands for with every alias written out (each
    node counted once per place it appears, computed once per node)."""
    key = id(node)
    if key not in memo:
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        memo[key] = 1 + sum(_expanded(child, memo) for child in children)
        if memo[key] > MAX_NODES:
            raise _TooLarge
    return memo[key]


def _load(text):
    """One document, its size bounded before any Python object is built."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded(node, {})
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml(path, text=None):
    """Load one YAML document; return (data, None) or (None, one-line problem)."""
    try:
        if text is None:
            with open(path, "rb") as handle:
                raw = handle.read(4_000_001)
            if len(raw) > 4_000_000:
                return None, "file is larger than 4 MB; split it into several files"
            text = raw.decode("utf-8")
        return _load(text), None
    except FileNotFoundError:
        return None, "no such file"
    except IsADirectoryError:
        return None, "is a folder, not a file"
    except PermissionError:
        return None, "cannot be read (permission denied)"
    except UnicodeDecodeError as err:
        return None, f"is not UTF-8 text (byte {err.start}); save it as UTF-8"
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return None, f"{where}invalid YAML: {problem}"
    except _TooLarge:
        return None, (f"more than {MAX_NODES} values once anchors and aliases are expanded; "
                      f"write the values out or split the file")
    except RecursionError:
        return None, "invalid YAML: nested too deeply; flatten the document"
    except (MemoryError, ValueError, TypeError) as err:
        return None, f"invalid YAML: {type(err).__name__}"


def describe(value):
    """Show a value briefly in a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def suggest(name, known):
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_keys(mapping, allowed, where):
    """Problems for keys that are not in ``allowed``."""
    problems = []
    for key in mapping:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            problems.append(f"{where}{key}: unknown key{suggest(key, allowed)}; "
                            f"allowed keys: {known}")
    return problems


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def check_int(value, where, low=None, high=None):
    if not is_int(value):
        return f"{where}: expected a whole number, got {describe(value)}"
    if low is not None and value < low:
        return f"{where}: must be at least {low}, got {value}"
    if high is not None and value > high:
        return f"{where}: must be at most {high}, got {value}"
    return None


def check_number(value, where, low=None, high=None, low_open=False):
    if not is_number(value):
        return f"{where}: expected a number, got {describe(value)}"
    if low is not None and (value <= low if low_open else value < low):
        bound = "greater than" if low_open else "at least"
        return f"{where}: must be {bound} {low}, got {value}"
    if high is not None and value > high:
        return f"{where}: must be at most {high}, got {value}"
    return None
