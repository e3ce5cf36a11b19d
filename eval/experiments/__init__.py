"""One-off studies, probes and sweeps of the factcheck models, with their write-ups in eval/experiments/README.md.

Run each from the repository root as a module: ``python -m eval.experiments.NAME ...``. They write their results
under eval/results/ and may import the kept scripts (``eval.sweep_verifier``, ``eval.fit_aggregation``, ...).
"""
