"""The text `judge check` prints for one exercise: a status line, one line per
check, then the equivalent mutants, the survivors with the case that would
catch them, and the stillborn mutants with their compile error."""

from grader.check.wrongs import Status


def render(result):
    """The lines printed for one exercise (a grader.check.orchestrate.Result)."""
    status = "ok" if result.ok else "FAILED"
    out = [f"{result.exercise}: {status} ({result.seconds:.1f} s)"]
    for line in result.lines:
        out.append(f"  {'ok  ' if line.ok else 'FAIL'}  {line.text}")
    for o in result.outcomes:
        if o.status is Status.EQUIVALENT:
            out.append(f"        equivalent  {o.wrong.what}")
    for o in result.outcomes:
        if o.status is Status.SURVIVED:
            where = f"; {o.by}" if o.by else ""
            out.append(f"        survivor    {o.wrong.what}: add {o.wrong.advice}{where}")
    for o in result.outcomes:
        if o.status is Status.STILLBORN:
            out.append(f"        stillborn   {o.wrong.what}: {o.by}")
    return "\n".join(out)
