"""Plain Python steps of a run: ingest a partition, plan, lock, report progress (no Dagster)."""
