"""What ``judge serve`` runs: one lock on the data folder, the pool, uvicorn."""

import fcntl
import os
import signal
import socket
import sys

from .pipeline import JudgeError


def _lock(folder):
    path = folder / "serve.lock"
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        raise JudgeError(f"{folder}: already served by `judge serve` (pid {holder}); stop it, or "
                         f"give another --data folder") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _listen(host, port):
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as err:
        raise JudgeError(f"{host}:{port}: cannot listen there ({err.strerror}); choose another "
                         f"--port or --host") from None
    sock.set_inheritable(False)
    return sock


def run(host, port, data, jobs, sandbox):
    try:
        import uvicorn
        from .app import Settings, create_app
    except ImportError as err:
        raise JudgeError(f"the server's libraries are not installed ({err.name}); run "
                         f"pip install 'dl-judge[server]'") from None
    from . import queue
    from .judges import Pool
    from .store import Store, data_dir
    folder = data_dir(data)
    lock = _lock(folder)
    store = Store(folder)
    moved = queue.requeue(store, owners=None)                # their judges died with the server
    sock = _listen(host, port)
    jobs = jobs or max(1, len(os.sched_getaffinity(0)))
    pool = Pool(folder, jobs, sandbox)

    def health():
        return {"alive": pool.alive(), "jobs": jobs}

    app = create_app(Settings(folder, health=health))
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3,
                            access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    shown = sock.getsockname()
    print(f"judge: serving http://{shown[0]}:{shown[1]}/ (data {folder}, {jobs} judge "
          f"process{'es' if jobs != 1 else ''}"
          + (f"; {len(moved)} interrupted submission{'s' if len(moved) != 1 else ''} queued again"
             if moved else "") + ")", file=sys.stderr, flush=True)
    stopped = []
    # uvicorn stops on SIGTERM and SIGINT, then raises the signal again for the
    # handler found before it: let that handler only note it, so the judges are
    # stopped below and the command ends cleanly.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stopped.append(number))
    pool.start()
    try:
        server.run(sockets=[sock])
    finally:
        pool.stop()
        sock.close()
        lock.close()
    print("judge: stopped", file=sys.stderr, flush=True)
