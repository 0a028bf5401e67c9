import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "exercises" / "lib"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

SUBMISSIONS = ROOT / "tests" / "submissions"

# The tests read English messages whatever the machine's locale; those that
# check other languages say so in their own environment.
os.environ["JUDGE_LANG"] = "en"


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Keep the expected-results cache of the test run out of the user's home."""
    import os
    os.environ["JUDGE_CACHE_DIR"] = str(tmp_path_factory.mktemp("judge-cache"))


@pytest.fixture(scope="session")
def worker():
    """One warm worker for the whole test run, as a batch would use."""
    from grader.pipeline.run import Worker
    with Worker().start() as w:
        yield w


@pytest.fixture
def grade_file(worker):
    """Grade a file (path or text) against an exercise's cases."""
    from grader.pipeline.grade import Options, grade

    def run(path, exercise="conv_backward", tmp=None, **options):
        return grade(str(path), exercise, Options(**options), worker=worker)

    return run
