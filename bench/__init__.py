"""The benchmark harness: our pipeline against a hand-written DuckDB floor (BENCHMARKS.md)."""
