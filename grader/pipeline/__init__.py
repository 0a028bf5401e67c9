"""One submission's path: read -> splice -> execute (in the box) -> decode -> compare -> decide -> report.

``grade`` holds the path from top to bottom; every module it calls sits
below it and never calls back: ``read`` and ``splice`` (the submission),
``execute`` and ``run`` (the request and the worker that runs it),
``decode`` (the results, once, strictly), ``compare`` (the one tolerance
rule), ``decide`` (the verdict, a pure function), ``feedback`` (its words),
``hints`` (over the decoded results), ``verdict`` (the report's types).
"""
