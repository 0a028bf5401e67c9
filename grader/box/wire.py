"""The narrow channel between the judge and the process that runs student code.

Everything crossing it is a frame: an 8-byte big-endian length, then that many
bytes. Structured messages are JSON objects; arrays are ``.npy`` bytes. The
judge never unpickles anything and checks every array's header (dtype kind,
shape, size) before it touches the data.
"""

import io
import json
import os
import re
import selectors
import struct
import time

import numpy as np

HEADER = struct.Struct(">Q")
MAX_JSON = 1 << 20
NUMERIC_KINDS = "biuf"      # bool, signed, unsigned, float; never object/str/complex/void


class ChannelError(ValueError):
    """A frame or array that does not follow the protocol."""


def frame(payload):
    return HEADER.pack(len(payload)) + payload


def json_frame(obj):
    return frame(json.dumps(obj, separators=(",", ":"), allow_nan=False).encode("utf-8"))


PIPE_SIZE = 1 << 20            # a result of a realistic case crosses in one go
F_SETPIPE_SZ = 1031


def wide_pipe():
    """A pipe with a 1 MB buffer where the system allows it (else the default)."""
    read_end, write_end = os.pipe()
    try:
        import fcntl
        fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        pass
    return read_end, write_end


def write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def encode_array(array):
    """npy bytes of a plain ndarray (never pickled)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_case(fd, header, arrays):
    """Write one case's results as a single frame: the JSON header's frame, then
    one npy frame per array, sent with writev straight from the arrays' memory."""
    pieces = [json_frame(header)]
    for array in arrays:
        if not array.flags.c_contiguous:
            array = array.copy(order="C")       # (ascontiguousarray would make a 0-d array 1-d)
        npy = io.BytesIO()
        np.lib.format.write_array_header_1_0(npy, np.lib.format.header_data_from_array_1_0(array))
        head = npy.getvalue()
        data = memoryview(array.reshape(-1)).cast("B")
        pieces += [HEADER.pack(len(head) + array.nbytes), head, data]
    pieces.insert(0, HEADER.pack(sum(len(p) for p in pieces)))
    views = [memoryview(p).cast("B") for p in pieces]
    while views:
        written = os.writev(fd, views[:1024])
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if views and written:
            views[0] = views[0][written:]


def split_frames(data, max_frames=64):
    """Split a byte string into its frames; ChannelError if it is malformed."""
    frames, pos = [], 0
    while pos < len(data):
        if len(frames) >= max_frames:
            raise ChannelError("too many frames")
        if pos + HEADER.size > len(data):
            raise ChannelError("truncated frame header")
        (size,) = HEADER.unpack_from(data, pos)
        pos += HEADER.size
        if size > len(data) - pos:
            raise ChannelError("truncated frame")
        frames.append(data[pos:pos + size])
        pos += size
    return frames


def decode_json(payload):
    if len(payload) > MAX_JSON:
        raise ChannelError("message too large")
    try:
        obj = json.loads(bytes(payload).decode("utf-8"))
    except (ValueError, RecursionError) as err:    # bad UTF-8, bad JSON, huge integers
        raise ChannelError(f"malformed message ({type(err).__name__})") from None
    if not isinstance(obj, dict):
        raise ChannelError("a message must be a JSON object")
    return obj


_NPY_MAGIC = b"\x93NUMPY"
_NPY_HEADER = re.compile(
    r"\{'descr': '([<>|=]?[biuf][1-9][0-9]?)', 'fortran_order': (True|False), "
    r"'shape': \(((?:[0-9]+, ?)*(?:[0-9]+)?)\), \} *\n")


def decode_array(payload, max_elements):
    """A plain numeric ndarray from npy bytes, checked before it is built.

    Only the header numpy itself writes is accepted (version 1.0 to 3.0, a
    real number dtype, a shape, C or Fortran order), parsed by a strict
    pattern rather than evaluated. Raises ChannelError for anything else,
    for more than ``max_elements`` elements, or for data whose size is not
    exactly what the header says.
    """
    payload = memoryview(payload).cast("B")
    if len(payload) < 10 or bytes(payload[:6]) != _NPY_MAGIC:
        raise ChannelError("malformed array header (not npy)")
    major = payload[6]
    if major == 1:
        (length,), start = struct.unpack_from("<H", payload, 8), 10
    elif major in (2, 3):
        if len(payload) < 12:
            raise ChannelError("malformed array header (truncated)")
        (length,), start = struct.unpack_from("<I", payload, 8), 12
    else:
        raise ChannelError(f"unsupported npy version {major}")
    if length > 4096 or start + length > len(payload):
        raise ChannelError("malformed array header (bad length)")
    try:
        text = bytes(payload[start:start + length]).decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise ChannelError("malformed array header") from None
    match = _NPY_HEADER.fullmatch(text)
    if not match:
        if "'O'" in text or "|O" in text:
            raise ChannelError("array of object is not a plain numeric array")
        descr = re.search(r"'descr': '([^']*)'", text)
        if descr:
            raise ChannelError(f"array has dtype {descr.group(1)}, not a real number type")
        raise ChannelError("malformed array header")
    try:
        dtype = np.dtype(match.group(1))
    except TypeError:
        raise ChannelError(f"array has dtype {match.group(1)}, not a real number type") from None
    if dtype.kind not in NUMERIC_KINDS:
        raise ChannelError(f"array has dtype {dtype}, not a real number type")
    shape = tuple(int(d) for d in match.group(3).replace(" ", "").split(",") if d)
    if len(shape) > 32 or any(dim > max(max_elements, 1) for dim in shape):
        raise ChannelError("array has an invalid shape")
    count = 1
    for dim in shape:
        count *= dim
    if count > max_elements:
        raise ChannelError(f"array has {count} elements, more than the {max_elements} allowed")
    data = payload[start + length:]
    if len(data) != count * dtype.itemsize:
        raise ChannelError("array data does not match its header")
    try:
        array = np.frombuffer(data, dtype=dtype, count=count)
        order = "F" if match.group(2) == "True" else "C"
        return np.array(array.reshape(shape, order=order), dtype=dtype.newbyteorder("="), copy=True)
    except (TypeError, ValueError) as err:
        raise ChannelError(f"array cannot be built ({type(err).__name__})") from None


class FrameReader:
    """Read frames from a pipe with a deadline, never blocking past it."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = bytearray()
        self.selector = selectors.DefaultSelector()
        self.selector.register(fd, selectors.EVENT_READ)
        os.set_blocking(fd, False)

    def close(self):
        self.selector.close()

    def read(self, deadline, max_size):
        """One frame's payload; None on EOF; TimeoutError past ``deadline`` (None: wait)."""
        while True:
            if len(self.buffer) >= HEADER.size:
                (size,) = HEADER.unpack_from(self.buffer, 0)
                if size > max_size:
                    raise ChannelError(f"frame of {size} bytes exceeds {max_size}")
                if len(self.buffer) >= HEADER.size + size:
                    with memoryview(self.buffer) as view:
                        payload = bytes(view[HEADER.size:HEADER.size + size])
                    del self.buffer[:HEADER.size + size]
                    return payload
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError
            if not self.selector.select(remaining):
                continue
            try:
                chunk = os.read(self.fd, PIPE_SIZE)
            except BlockingIOError:
                continue
            if not chunk:
                return None
            self.buffer += chunk
