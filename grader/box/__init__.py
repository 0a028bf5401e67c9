"""The untrusted side: the worker, the box and the run that executes student code.

Everything in this package may run next to student code, so it imports
nothing that holds or computes answers (references, expected results, the
cache, hints, grading); ``tests/test_boundary.py`` proves it from the source
and from inside a run. What the box mounts, the limits it sets, how each is
measured and what every state it reports means are written down once, in
SECURITY.md; the modules here point there instead of restating it.

    judge --pipes--> worker --fork--> zygote (PID 1 of the box) --fork--> run

* ``worker``  supervises: clocks, output and result caps, kills; reports facts.
* ``zygote``  builds the box's root, then forks one run per request it never reads.
* ``runner``  the run: reads its own request, locks itself in, runs the cases.
* ``root``    the allow-list root; ``seccomp``, ``limits``, ``kernel`` the layers.
* ``wire``    frames and strict ``.npy`` decoding; ``drive`` how a layer is exercised.
"""
