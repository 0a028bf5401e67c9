"""One run of some of a request's cases, as the worker keeps it: the run's pipes,
each case's clock, the caps on what it prints and hands back, and its end.

The facts each answer carries are described in SECURITY.md.
"""

import os
import selectors
import time

from . import kernel, wire, zygote


class BoxFault(Exception):
    """The box stopped working: a fault of the judge's side, never the submission's."""



SETUP_SECONDS = 10.0            # longest a run may take to read its request and lock itself in
EXIT_SECONDS = 2.0              # longest a run may take to end after its last case
KILL_SECONDS = 5.0              # longest PID 1 may take to end a run it was asked to kill
OUTPUT_KEEP = 8 * 1024          # bytes of printed output sent back for feedback
SAMPLE_SECONDS = 0.2            # how long a run out of time has to say which line it is on
SAMPLE_CAP = 4096               # the largest frame accepted as that answer


def envelope(state, wall_ms, **more):
    facts = {"state": state, "exit_code": None, "signal": None, "wall_ms": round(wall_ms, 3),
             "cpu_ms": None, "peak_rss_kb": None}
    facts.update(more)
    return facts


class Session:
    """One run of some of a request's cases, seen from the worker."""

    def __init__(self, box, request, indices, frames):
        self.box = box
        self.cases = [request["cases"][i] for i in indices]
        self.payload = wire.json_frame(dict(request, cases=self.cases)) + b"".join(
            wire.frame(f) for i in indices for f in frames[i])
        self.pending = bytearray()               # result bytes not yet split into cases
        self.output = bytearray()
        self.printed = 0
        self.index = 0
        self.ended = None                        # PID 1's facts once the run has ended

    def answers(self):
        fds = self._start()
        try:
            yield from self._supervise(fds)
        finally:
            if self.ended is None:               # left early: the run must not outlive it
                try:
                    self._end_run(kill=True)
                except BoxFault:
                    pass
            for fd in fds.values():
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _start(self):
        req_r, req_w = wire.wide_pipe()
        res_r, res_w = wire.wide_pipe()
        out_r, out_w = os.pipe()
        st_r, st_w = os.pipe()
        try:
            zygote.send(self.box.sock, {"op": "run"}, [req_r, res_w, out_w, st_w])
        except OSError as err:
            for fd in (req_r, req_w, res_r, res_w, out_r, out_w, st_r, st_w):
                os.close(fd)
            raise BoxFault(f"the box's PID 1 is gone ({kernel.reason(err)})") from None
        for fd in (req_r, res_w, out_w, st_w):
            os.close(fd)
        deadline = time.monotonic() + SETUP_SECONDS
        fds = {"res": res_r, "out": out_r}
        try:
            _write_until(req_w, self.payload, deadline)
        except OSError:
            pass                                  # the run ended early: its status says why
        finally:
            os.close(req_w)
        self.payload = None
        status = _read_all(st_r, deadline, 4096)
        os.close(st_r)
        if status != b"ok":
            self._end_run(kill=True)
            for fd in fds.values():
                os.close(fd)
            why = status.decode("utf-8", "replace") if status else "the run did not start"
            raise BoxFault(why)
        for fd in fds.values():
            os.set_blocking(fd, False)
        return fds

    def _end_run(self, kill):
        """Ask PID 1 to kill the run (when ``kill``) and wait for its facts."""
        if self.ended is not None:
            return self.ended
        if kill:
            try:
                zygote.send(self.box.sock, {"op": "kill"})
            except OSError:
                raise BoxFault("the box's PID 1 is gone") from None
        message = self.box._receive(time.monotonic() + KILL_SECONDS)
        if message is None or "ended" not in message:
            raise BoxFault("the box's PID 1 did not end the run")
        self.ended = message["ended"]
        if self.ended.get("state") == "box_fault":
            raise BoxFault(self.ended.get("reason", "the box failed"))
        return self.ended

    def _supervise(self, fds):
        cases = self.cases
        res_r, out_r = fds["res"], fds["out"]
        sock = self.box.sock
        selector = selectors.DefaultSelector()
        for fd in (res_r, out_r, sock.fileno(), self.box.pidfd):
            selector.register(fd, selectors.EVENT_READ)
        started = time.monotonic()               # each case's clock: from the end of the one before
        deadline = started + float(cases[0]["time_limit"])
        state = None
        try:
            while state is None and self.ended is None:
                for payload in self._finished():
                    if isinstance(payload, str):
                        state = payload
                        break
                    now = time.monotonic()
                    self._pump(out_r)             # what it printed before handing back
                    if self._over_output():
                        state = "output_limit"
                        break
                    yield envelope("exited", (now - started) * 1000, exit_code=0), payload, bytes(self.output)
                    self._next_case()
                    started = now
                    deadline = now + (float(cases[self.index]["time_limit"]) if self.index < len(cases)
                                      else EXIT_SECONDS)
                if state is not None:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    state = "timeout"
                    break
                for key, _ in selector.select(remaining):
                    if key.fd == res_r:
                        self._pump_results(res_r)
                    elif key.fd == out_r:
                        self._pump(out_r)
                        if self._over_output():
                            state = "output_limit"
                    elif key.fd == self.box.pidfd:
                        raise BoxFault("the box's PID 1 ended")
                    else:
                        self._end_run(kill=False)
                if state is None and self.index >= len(cases) and self.ended is not None:
                    return
        finally:
            selector.close()
        now = time.monotonic()
        if state is not None:                     # the worker ends it: a limit was reached
            stuck = self._sample(res_r) if state == "timeout" and self.index < len(cases) else b""
            self._end_run(kill=True)
            if self.index >= len(cases):          # every case is in; it only would not end
                return
            yield envelope(state, (now - started) * 1000), stuck, bytes(self.output)
            return
        # The run ended by itself: what it handed back before, then why it stopped.
        while self._pump_results(res_r):
            pass
        while self._pump(out_r):
            pass
        for payload in self._finished():
            if isinstance(payload, str) or self._over_output():
                state = payload if isinstance(payload, str) else "output_limit"
                yield envelope(state, (time.monotonic() - started) * 1000), b"", bytes(self.output)
                return
            yield envelope("exited", (time.monotonic() - started) * 1000, exit_code=0), payload, \
                bytes(self.output)
            self._next_case()
            started = time.monotonic()
        if self.index >= len(cases):
            return
        facts = {key: self.ended.get(key) for key in ("state", "exit_code", "signal", "cpu_ms", "peak_rss_kb")}
        if facts["state"] not in ("exited", "signaled"):
            raise BoxFault("the box reported a run it could not account for")
        yield envelope(wall_ms=(now - started) * 1000, **facts), b"", bytes(self.output)

    def _sample(self, res_r):
        """Ask PID 1 to make the run say which line it is on; the frame it writes
        (or b"" when none comes in time, or the bytes before it were a partial frame)."""
        if self.pending or self.ended is not None:
            return b""
        try:
            zygote.send(self.box.sock, {"op": "sample"})
        except OSError:
            return b""
        deadline = time.monotonic() + SAMPLE_SECONDS
        selector = selectors.DefaultSelector()
        selector.register(res_r, selectors.EVENT_READ)
        try:
            while True:
                if len(self.pending) >= wire.HEADER.size:
                    (size,) = wire.HEADER.unpack_from(self.pending, 0)
                    if size > SAMPLE_CAP:
                        return b""
                    if len(self.pending) >= wire.HEADER.size + size:
                        return bytes(self.pending[wire.HEADER.size:wire.HEADER.size + size])
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return b""
                if not self._pump_results(res_r):
                    return b""
        finally:
            selector.close()

    def _next_case(self):
        self.index += 1
        self.output.clear()
        self.printed = 0

    def _over_output(self):
        case = self.cases[min(self.index, len(self.cases) - 1)]
        return self.printed > int(case["output_limit"])

    def _pump(self, fd):
        """Read what the run printed; False when nothing more is there now."""
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return False
        if not chunk:
            return False
        self.printed += len(chunk)
        if len(self.output) < OUTPUT_KEEP:
            self.output.extend(chunk[:OUTPUT_KEEP - len(self.output)])
        return True

    def _pump_results(self, fd):
        try:
            chunk = os.read(fd, wire.PIPE_SIZE)
        except BlockingIOError:
            return False
        if not chunk:
            return False
        self.pending.extend(chunk)
        return True

    def _finished(self):
        """Complete result frames for the cases in order; "result_limit" for an oversized one."""
        while self.index < len(self.cases) and len(self.pending) >= wire.HEADER.size:
            (size,) = wire.HEADER.unpack_from(self.pending, 0)
            if size > int(self.cases[self.index]["result_limit"]):
                yield "result_limit"
                return
            if len(self.pending) < wire.HEADER.size + size:
                return
            payload = bytes(self.pending[wire.HEADER.size:wire.HEADER.size + size])
            del self.pending[:wire.HEADER.size + size]
            yield payload


def _write_until(fd, data, deadline):
    """Write all of ``data`` to a pipe before ``deadline``; OSError when the reader is gone."""
    os.set_blocking(fd, False)
    view = memoryview(data)
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_WRITE)
    try:
        while view:
            try:
                written = os.write(fd, view)
                view = view[written:]
                continue
            except BlockingIOError:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise OSError(110, "the run did not read its request")
    finally:
        selector.close()


def _read_all(fd, deadline, cap):
    """Everything a pipe holds until its writer closes it (at most ``cap`` bytes, until ``deadline``)."""
    data = b""
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    try:
        while len(data) < cap:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                break
            chunk = os.read(fd, cap)
            if not chunk:
                break
            data += chunk
    finally:
        selector.close()
    return data[:cap]
