"""What needs to run: which source × academic year partitions have new, changed or removed files.

Used by the file sensor, the nightly schedule and the CLI alike. A partition needs ingesting
when the set of file versions in the landing folder differs from the set its manifest has
decided on (committed, rejected or unreadable) — so a re-scan of an unchanged folder plans
nothing, and a corrected or removed file plans exactly its partition.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from ingestion.config import Settings
from ingestion.lake import Lake
from ingestion.landing import LandingEntry
from orchestration.pipeline.fingerprint import unchanged_publication


@dataclass(frozen=True)
class Plan:
    pending: dict[int, list[str]]  # academic year -> sources whose files changed
    not_placed: list[LandingEntry]  # files reported, not loaded
    landing_digest: str

    @property
    def years(self) -> list[int]:
        return sorted(self.pending)


def plan_ingestion(settings: Settings, entries: list[LandingEntry]) -> Plan:
    lake = Lake(settings.lake_dir)
    in_landing: dict[tuple[str, int], set[str]] = defaultdict(set)
    for e in entries:
        if e.error is None and e.academic_year is not None and e.file_sha256:
            in_landing[(e.source_name, e.academic_year)].add(e.file_sha256)
    decided = {
        (source, year): {r["file_sha256"] for r in rows} for source, year, rows in lake.manifests()
    }
    pending: dict[int, list[str]] = defaultdict(list)
    for key in sorted(set(in_landing) | set(decided)):
        if in_landing.get(key, set()) != decided.get(key, set()):
            pending[key[1]].append(key[0])
    digest = hashlib.sha256(
        "\n".join(
            sorted(f"{e.source_file}|{e.file_sha256}|{e.academic_year}|{e.error}" for e in entries)
        ).encode()
    ).hexdigest()
    return Plan(dict(pending), [e for e in entries if e.error], digest)


def publication_is_current(settings: Settings, entries: list[LandingEntry] | None = None) -> bool:
    """The latest publication was built from the landing folder, the lake and the dbt project
    as they are now (its build fingerprint: ``orchestration.pipeline.fingerprint``)."""
    return unchanged_publication(settings, entries) is not None
