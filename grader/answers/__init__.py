"""What the right answers are: the only package that loads a reference.

``reference`` loads the instructor's code (the reference, known mistakes),
``expected`` computes and prepares each case's expected results, ``cache``
keeps them on disk, ``mistakes`` lists the known mistakes, ``secrecy`` marks
a process that holds any of it.
"""
