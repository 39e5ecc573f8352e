"""The Dagster code location: ``dagster dev -m orchestration.definitions``."""

from ingestion.config import private_files
from orchestration.defs.code_location import build_definitions

private_files()  # the daemon and the webserver write run storage and the lake: owner-only
defs = build_definitions()
