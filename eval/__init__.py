"""The benchmarks behind eval/RESULTS.md, and the verifier's training recipe (README.md).

Run from the repository root: ``python eval/NAME.py ...`` or ``python -m eval.NAME ...``. The one-off studies and
probes are in :mod:`eval.experiments` (``python -m eval.experiments.NAME ...``; eval/experiments/README.md).
Not part of the installed ``factcheck`` package.
"""
