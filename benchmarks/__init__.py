"""`make bench`: how fast and how big, measured against floors of the same machine in the same run.

Run with `python -m benchmarks.run` (see `benchmarks/run.py` and docs/benchmarks.md). Nothing here is
imported by the application or by `make test` (only the smoke test in tests/bench runs it, tiny).
"""
