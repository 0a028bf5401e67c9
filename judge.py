#!/usr/bin/env python3
"""Run the judge from a checkout: ``python judge.py grade FILE --exercise ID``."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from grader.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
