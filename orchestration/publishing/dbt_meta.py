"""The dbt manifest's ``meta``, read in one place: what is published, what is public.

A model or seed whose ``meta.publish`` is true is copied into the reporting file
(``published_relations``); one whose ``meta.public`` is also set goes into the open-data export
(``public_tables``). The Dagster reporting asset depends on the same nodes (``published_nodes``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingestion.config import DBT_PROJECT_DIR
from orchestration.publishing.disclosure import PublicTable
from orchestration.publishing.reporting_file import PublishedRelation

DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def dbt_manifest(path: Path = DBT_MANIFEST) -> dict[str, Any]:
    """The parsed dbt manifest (``dbt parse`` or any dbt command writes it)."""
    return json.loads(path.read_text())


def node_meta(node: dict[str, Any]) -> dict[str, Any]:
    """A node's ``meta`` (dbt keeps it under ``config.meta``; older manifests at ``meta``)."""
    return node.get("config", {}).get("meta", {}) or node.get("meta", {}) or {}


def published_nodes(manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Models and seeds whose ``meta.publish`` is true."""
    for node in manifest["nodes"].values():
        if node["resource_type"] in {"model", "seed"} and node_meta(node).get("publish"):
            yield node


def published_relations(manifest: dict[str, Any]) -> list[PublishedRelation]:
    """The relations the reporting file holds, with their small-group suppression."""
    out = []
    for node in published_nodes(manifest):
        suppress = node_meta(node).get("suppress_small_groups") or {}
        out.append(
            PublishedRelation(
                schema=node["schema"],
                name=node.get("alias") or node["name"],
                description=node.get("description", ""),
                suppress={k: list(v) for k, v in suppress.items()},
            )
        )
    return sorted(out, key=lambda r: (r.schema, r.name))


def public_tables(manifest: dict[str, Any]) -> list[PublicTable]:
    """Published models and seeds with a ``meta.public`` declaration."""
    out = []
    for node in published_nodes(manifest):
        declared = node_meta(node).get("public")
        if not declared:
            continue
        name = node.get("alias") or node["name"]
        if declared is True:  # every column as it is: nothing in it counts pupils
            declared = {"columns": ["*"]}
        out.append(
            PublicTable.from_meta(
                name, f"{node['schema']}.{name}", declared, node.get("description", "")
            )
        )
    return sorted(out, key=lambda t: t.name)
