"""A disk cache of expected results, keyed by everything they depend on.

The key hashes the reference, the helper modules, the exercise declaration,
every case (seed, parameters, distributions), the code that draws inputs and
the numpy version, so changing any of them computes the results again. The
folder is private to the judge's user (mode 0700); files hold plain arrays
(``.npz`` without pickles).
"""

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from grader import __version__
from grader.answers import reference
from grader.declare import inputs
from grader import settings

def folder():
    return settings.current().cache_root


def key(ex, case_list):
    digest = hashlib.sha256()
    for path in [ex.reference, ex.folder / "exercise.yaml", Path(inputs.__file__),
                 *map(Path, reference.helper_paths(ex).values())]:
        digest.update(str(path.name).encode())
        digest.update(Path(path).read_bytes())
    for case in case_list:
        digest.update(json.dumps(asdict(case), sort_keys=True, default=str).encode())
    digest.update(f"numpy {np.__version__} judge {__version__}".encode())
    return digest.hexdigest()[:32]


def load(ex, case_list):
    """Expected arrays per case ([{name: array}]) from the cache, or None."""
    path = folder() / f"{ex.id}-{key(ex, case_list)}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            result = [{} for _ in case_list]
            for entry in data.files:
                index, name = entry.split("/", 1)
                result[int(index)][name] = data[entry]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    if any(set(r) != set(ex.outputs) for r in result):
        return None
    return result


def store(ex, case_list, expected_list):
    """Write the cache; a failure to write is not an error (it is only a cache)."""
    target = folder()
    temp = None
    try:
        if not target.is_dir():
            target.mkdir(parents=True, mode=0o700)      # only a folder it makes is made private
        arrays = {f"{i}/{name}": array for i, found in enumerate(expected_list)
                  for name, array in found.items()}
        handle, temp = tempfile.mkstemp(dir=target, suffix=".tmp")
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(temp, target / f"{ex.id}-{key(ex, case_list)}.npz")
        temp = None
    except OSError:
        pass
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
