"""A judge for numpy deep-learning exercises.

A submission travels read -> splice -> sandbox -> run -> compare -> report;
each step is a module of this package named for what it does.
"""

__version__ = "0.1.0"

import os as _os

# One BLAS thread everywhere: workers are forked from the judge, so the
# setting must hold before numpy is first imported, and a single thread keeps
# memory limits and timings predictable.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ[_name] = "1"
