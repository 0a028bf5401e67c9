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
