"""How to grade: what a command line or a service may change for one grading."""

from dataclasses import dataclass


@dataclass
class Options:
    cases: str = None           # a case file or folder instead of the exercise's own
    time_limit: float = None    # seconds per case, over the cases' own limits
    memory_limit: int = None    # megabytes per case, over the cases' own limits
    use_cache: bool = True      # expected results from the disk cache (grader.answers.cache)
    hints: bool = True          # name known mistakes on public cases (grader.pipeline.hints)
    sandbox: str = None         # auto | strict | off; None: JUDGE_SANDBOX or auto (grader.settings)
