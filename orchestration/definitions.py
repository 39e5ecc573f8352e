"""The Dagster code location: ``dagster dev -m orchestration.definitions``."""

from orchestration.defs.code_location import build_definitions

defs = build_definitions()
