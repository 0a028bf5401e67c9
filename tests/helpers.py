"""Small helpers shared by the tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "########## Begin ##########"
END = "########## End ##########"


def skeleton(exercise):
    return (ROOT / "exercises" / exercise / "skeleton.py").read_text(encoding="utf-8")


def fill(exercise, body, indent="        "):
    """The skeleton of ``exercise`` with ``body`` between its markers."""
    text = skeleton(exercise)
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    lines = [indent + line if line.strip() else line for line in body.strip("\n").split("\n")]
    return head + BEGIN + "\n" + "\n".join(lines) + "\n" + indent + END + tail


SEED_CONV = """
FN, C, FH, FW = self.W.shape
dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
self.db = np.sum(dout, axis=0)
self.dW = np.dot(self.col.T, dout)
self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)
dcol = np.dot(dout, self.col_W.T)
dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)
return dx
"""

SEED_POOL = """
dout = dout.transpose(0, 2, 3, 1)
pool_size = self.pool_h * self.pool_w
dmax = np.zeros((dout.size, pool_size))
dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
dmax = dmax.reshape(dout.shape + (pool_size,))
dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
dx = col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
return dx
"""


def write(tmp_path, name, text):
    path = Path(tmp_path) / name
    path.write_text(text, encoding="utf-8")
    return path


def case_file(tmp_path, text, name="cases.yaml"):
    return write(tmp_path, name, text)


# ------------------------------------------------------------ processes of a worker's box

def _status(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            return handle.read()
    except OSError:
        return ""


def _field(status, name):
    for line in status.split("\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].split()
    return []


def descendants(pid):
    """[(pid, depth)] of every process below ``pid``."""
    import os
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [(pid, 0)]
    while todo:
        current, depth = todo.pop()
        for child in children.get(current, []):
            found.append((child, depth + 1))
            todo.append((child, depth + 1))
    return found


def box_strays(worker):
    """Processes a worker's runs left anywhere on the machine: every process in
    its box's PID namespace but the box's PID 1, and every process of the user
    its runs take (as root). Processes of other judges on the machine are not
    counted: they live in namespaces and under users of their own."""
    import os
    from grader.box.worker import UID_BASE
    if worker.box_pid is None:
        return []
    try:
        namespace = os.readlink(f"/proc/{worker.box_pid}/ns/pid")
    except OSError:
        return [f"the box's PID 1 ({worker.box_pid}) is gone"]
    run_uid = UID_BASE + worker.pid if os.geteuid() == 0 else None
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == worker.box_pid:
            continue
        try:
            same = os.readlink(f"/proc/{entry}/ns/pid") == namespace
        except OSError:
            same = False
        status = _status(entry)
        uid = _field(status, "Uid")
        if not same and not (run_uid is not None and uid and int(uid[0]) == run_uid):
            continue
        state = (_field(status, "State") or ["?"])[0]
        if state in ("Z", "X"):
            continue
        name = (_field(status, "Name") or ["?"])[0]
        found.append(f"{entry} {name} uid={uid[0] if uid else '?'} state={state}")
    return found
