"""What an exercise and its cases declare: data only, no answers.

``exercise`` loads exercises/<id>/exercise.yaml (``spec`` the parts, ``build``
the checking), ``cases`` the YAML case files (``schema`` and ``expr`` help
both), ``inputs`` draws a case's seeded inputs.
"""
