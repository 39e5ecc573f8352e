"""The readers, one per landing folder. Adding a source: a Reader subclass listed here."""

from __future__ import annotations

from ingestion.engine import Reader
from ingestion.sources.federal_lists import FederalListsReader
from ingestion.sources.gia_appeals import GiaAppealsReader
from ingestion.sources.gia_rcoi import (
    EgeRcoiReader,
    Gve9RcoiReader,
    Gve11RcoiReader,
    OgeRcoiReader,
)
from ingestion.sources.indicators import IndicatorFormReader
from ingestion.sources.mechanisms import MechanismScoresReader
from ingestion.sources.medalists import MedalistsReader
from ingestion.sources.municipal_tables import MunicipalTablesReader
from ingestion.sources.olympiad import OlympiadProtocolReader
from ingestion.sources.registry import RegistryReader
from ingestion.sources.registry_changes import RegistryChangesReader
from ingestion.sources.school_aliases import SchoolAliasesReader
from ingestion.sources.school_forms import SchoolFormsReader
from ingestion.sources.vpr_fisoko import VprFisokoReader
from ingestion.sources.vpr_forms import VprFormsReader

READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (
        RegistryReader(),
        RegistryChangesReader(),
        VprFisokoReader(),
        EgeRcoiReader(),
        OgeRcoiReader(),
        IndicatorFormReader(),
        MechanismScoresReader(),
        Gve9RcoiReader(),
        Gve11RcoiReader(),
        GiaAppealsReader(),
        MedalistsReader(),
        FederalListsReader(),
        OlympiadProtocolReader(),
        SchoolFormsReader(),
        MunicipalTablesReader(),
        VprFormsReader(),
        SchoolAliasesReader(),
    )
}


def reader_for(source: str) -> Reader:
    try:
        return READERS[source]
    except KeyError:
        raise KeyError(
            f"unknown source folder '{source}': expected one of {sorted(READERS)}"
        ) from None
