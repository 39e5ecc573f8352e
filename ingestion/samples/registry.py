"""The demo school registry over time: one snapshot per year and a change list per year.

The world's schools are fixed; what changes is how the registry lists them. Across the demo
years the plan plants, each on its own school (DOMAIN §3.1, §3.2):

- ``rename``       the second year's snapshot gives the school a new name (same Код ОО, login,
                   ИНН, ОГРН): the change list dates it;
- ``type_change``  СОШ → Гимназия in the second year's snapshot, NOT in the change list (its
                   valid_from is the snapshot's as-of date);
- ``closure``      status «ликвидирована» in the second year's snapshot, absent afterwards; no
                   results from that academic year on;
- ``merger``       status «реорганизована в форме присоединения к <school>» with the successor's
                   Код ОО in the second year's snapshot, absent afterwards; no results from then;
- ``code_change``  a new Код ОО in the third year's snapshot (and in that year's РЦОИ exports);
                   login, ИНН, КПП and ОГРН keep its identity; the change list dates it.

A branch (Филиал) stays attached to its parent in every snapshot. The plan is drawn from the
registry's own random stream, so every other file of the generator keeps its bytes except the
rows of the closed/merged schools after they stop and the new code in the exports.
The second year's snapshot also carries one bad ИНН and one bad ОГРН checksum (C12): those
rows go to quarantine, and the warehouse carries the school over that year's gap.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.config import DBT_PROJECT_DIR
from ingestion.samples import world as w
from ingestion.samples.layouts import (
    CHANGES_HEADER,
    REGISTRY_OKTMO_HEADER,
    REGISTRY_SUCCESSOR_HEADER,
)
from ingestion.samples.writers import SheetWriter, Truth, write_xlsx


@dataclass
class Plan:
    """Which school carries which change, and from which academic year."""

    years: tuple[int, ...]
    # school_code (identity: the first code) -> {change_type: academic year it takes effect}
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    new_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # full, short
    new_codes: dict[str, str] = field(default_factory=dict)
    successor: dict[str, str] = field(default_factory=dict)  # merged -> absorbing school code
    bad_checksums: dict[str, str] = field(default_factory=dict)  # school_code -> "inn"|"ogrn"

    def effective(self, school: w.School, change: str, year: int) -> bool:
        start = self.changes.get(school.school_code, {}).get(change)
        return start is not None and year >= start

    def listed(self, school: w.School, year: int) -> bool:
        """Does the year's snapshot list the school (a closed or merged one: its year only)?"""
        for change in ("closure", "merger"):
            start = self.changes.get(school.school_code, {}).get(change)
            if start is not None and year > start:
                return False
        return True

    def active(self, school: w.School, year: int) -> bool:
        """Does the school work (and sit procedures) in the academic year?"""
        return not (
            self.effective(school, "closure", year) or self.effective(school, "merger", year)
        )

    def code(self, school: w.School, year: int) -> str:
        if self.effective(school, "code_change", year):
            return self.new_codes[school.school_code]
        return school.school_code

    def short_name(self, school: w.School, year: int) -> str:
        return _names(self, school, year)[1]

    def region_in(self, region: w.Region, year: int) -> w.Region:
        """The region as the year's files see it: its working schools only, each with the type
        and names of that year's registry, and the year's Код ОО in ``codes_in_files``. Every
        school keeps its first code as ``school_code``: the truth names schools by it."""
        schools, codes = [], {}
        for s in region.schools:
            if not self.active(s, year):
                continue
            full_name, short_name = _names(self, s, year)
            schools.append(
                replace(
                    s, school_type=_type(self, s, year), full_name=full_name, short_name=short_name
                )
            )
            if self.code(s, year) != s.school_code:
                codes[s.school_code] = self.code(s, year)
        return w.Region(region.code, region.name, schools, codes)


def plan_changes(seed: int, region: w.Region, years: tuple[int, ...]) -> Plan:
    plan = Plan(years)
    if len(years) < 3:
        return plan
    rng = np.random.default_rng((seed, 5))
    parents = {s.parent_code for s in region.schools if s.parent_code}
    first_soch = next(s for s in region.schools if s.school_type == "СОШ")
    free = [
        s
        for s in region.schools
        if not s.planted
        and s.parent_code is None
        and s.school_code not in parents
        and s is not first_soch  # tests remove this school's rows by its name
    ]
    order = [free[int(i)] for i in rng.permutation(len(free))]
    # closure and merger need schools without planted cases (their results stop)
    closing = [s for s in order if s.school_type != "Вечерняя (сменная) школа"]
    closed, merged = closing[0], closing[1]
    rest = [s for s in order if s not in (closed, merged)]
    renamed = rest[0] if rest else closed
    coded = rest[1] if len(rest) > 1 else renamed
    typed_candidates = [
        s
        for s in region.schools
        if s.school_type == "СОШ"
        # a Гимназия is selective: M2 (high result not confirmed) is not evaluated there
        and "inflated_vpr" not in s.planted
        and s not in (closed, merged, coded, renamed, first_soch)
        and s.school_code not in parents
        and s.parent_code is None
    ]
    typed = typed_candidates[int(rng.integers(len(typed_candidates)))]
    second, third = years[1], years[2]
    plan.changes = {
        renamed.school_code: {"rename": second},
        typed.school_code: {"type_change": second},
        closed.school_code: {"closure": second},
        merged.school_code: {"merger": second},
        coded.school_code: {"code_change": third},
    }
    honoree = str(rng.choice(["А. С. Пушкина", "Героя Советского Союза И. Н. Кожедуба"]))
    plan.new_names[renamed.school_code] = (
        renamed.full_name.rstrip("»") + f" имени {honoree}»",
        f"{renamed.short_name} им. {honoree}",
    )
    plan.new_codes[coded.school_code] = f"{coded.msu_code}{900 + int(coded.school_code[-3:]):03d}"
    absorbing = [
        s
        for s in region.schools
        if s.municipality == merged.municipality
        and s not in (closed, merged)
        and s.parent_code is None
    ]
    plan.successor[merged.school_code] = absorbing[0].school_code
    # the bad checksums: two other schools with no change, second year's snapshot
    untouched = [
        s
        for s in region.schools
        if s.school_code not in plan.changes
        and s.school_code not in parents
        and s.parent_code is None
        and s is not first_soch
        and s.school_code not in plan.successor.values()
    ]
    if len(untouched) >= 2:
        plan.bad_checksums = {untouched[0].school_code: "inn", untouched[1].school_code: "ogrn"}
    return plan


def _type(plan: Plan, s: w.School, year: int) -> str:
    return "Гимназия" if plan.effective(s, "type_change", year) else s.school_type


def _names(plan: Plan, s: w.School, year: int) -> tuple[str, str]:
    if plan.effective(s, "rename", year):
        return plan.new_names[s.school_code]
    if plan.effective(s, "type_change", year):
        return (
            s.full_name.replace("Средняя общеобразовательная школа", "Гимназия"),
            s.short_name.replace("СОШ", "Гимназия"),
        )
    return s.full_name, s.short_name


def _bad(value: str) -> str:
    """The same number with its check digit off by one."""
    return value[:-1] + str((int(value[-1]) + 1) % 10)


def demo_oktmo() -> dict[str, str]:
    """The demo municipalities' ОКТМО codes: the seed municipality_oktmo (one definition)."""
    seed = DBT_PROJECT_DIR / "seeds" / "municipality_oktmo.csv"
    with open(seed, newline="", encoding="utf-8") as handle:
        return {r["municipality_name"]: r["oktmo"] for r in csv.DictReader(handle)}


def write_registry(
    landing: Path,
    truth: Truth,
    region: w.Region,
    plan: Plan,
    year: int,
    with_reference_sheet: bool,
) -> None:
    rel = f"registry/Реестр_ОО_на_01.09.{year}.xlsx"
    sheet = SheetWriter(truth, rel, "registry", year, "Реестр")
    sheet.add(
        [f"Реестр общеобразовательных организаций Хабаровского края на 01.09.{year}"], "skipped"
    )
    sheet.add([], "skipped")
    with_oktmo = year == plan.years[-1]  # the optional column, in the latest snapshot only
    oktmo = demo_oktmo() if with_oktmo else {}
    sheet.add(REGISTRY_OKTMO_HEADER if with_oktmo else REGISTRY_SUCCESSOR_HEADER, "skipped")
    codes = {s.school_code: plan.code(s, year) for s in region.schools}
    i = 0
    for s in region.schools:
        if not plan.listed(s, year):
            continue
        i += 1
        full, short = _names(plan, s, year)
        status, successor = "действует", ""
        if plan.effective(s, "closure", year):
            status = "ликвидирована"
        elif plan.effective(s, "merger", year):
            target = next(
                t for t in region.schools if t.school_code == plan.successor[s.school_code]
            )
            status = f"реорганизована в форме присоединения к {_names(plan, target, year)[1]}"
            successor = codes[target.school_code]
        inn, ogrn = s.inn, s.ogrn
        bad = plan.bad_checksums.get(s.school_code) if year == plan.years[1] else None
        if bad == "inn":
            inn = _bad(inn)
        elif bad == "ogrn":
            ogrn = _bad(ogrn)
        row = sheet.add(
            [
                i,
                codes[s.school_code],
                s.login,
                full,
                short,
                s.municipality,
                s.msu_code,
                _type(plan, s, year),
                codes[s.parent_code] if s.parent_code else "",
                s.settlement_type,
                s.settlement,
                inn,
                s.kpp,
                ogrn,
                status,
                successor,
                *(
                    [int(oktmo[s.municipality]) if s.municipality in oktmo else ""]
                    if with_oktmo
                    else []
                ),
            ],
            "quarantined" if bad else "loaded",
        )
        if bad:
            column = {"inn": "ИНН", "ogrn": "ОГРН"}[bad]
            value = inn if bad == "inn" else ogrn
            clean = s.inn if bad == "inn" else s.ogrn
            sheet.defect(row, column, f"bad_{bad}_checksum", "quarantine", value, clean)
    sheets = [sheet]
    if with_reference_sheet:  # a reference sheet the reader must ignore, rows counted as skipped
        ref = SheetWriter(truth, rel, "registry", year, "Справочник")
        ref.add(["Справочник типов ОО"], "skipped")
        for kind in ("СОШ", "ООШ", "НОШ", "Гимназия", "Лицей"):
            ref.add([kind], "skipped")
        sheets.append(ref)
    write_xlsx(landing / rel, sheets)


# the dates the change list gives (month, day in the calendar year the academic year ends)
CHANGE_DATES = {"rename": (3, 15), "closure": (6, 30), "merger": (7, 1), "code_change": (8, 1)}
CHANGE_WORDS = {
    "rename": "Переименование",
    "type_change": "Изменение типа",
    "closure": "Ликвидация",
    "merger": "Реорганизация (присоединение)",
    "code_change": "Смена кода ОО",
}


def record_and_write_changes(landing: Path, truth: Truth, region: w.Region, plan: Plan) -> None:
    """The truth's registry_changes, and a change list per academic year that has changes.

    Every change of the plan is recorded; the change list omits the type change, whose
    valid_from is then the as-of date of the first snapshot that shows it.
    """
    by_code = {s.school_code: s for s in region.schools}
    rows_by_year: dict[int, list[list[Any]]] = {}
    for code, changes in plan.changes.items():
        s = by_code[code]
        for change, year in changes.items():
            snapshot_date = date(year, 9, 1)
            before, after = year - 1, year
            old: str
            new: str
            if change == "rename":
                old, new = _names(plan, s, before)[0], _names(plan, s, after)[0]
            elif change == "type_change":
                old, new = _type(plan, s, before), _type(plan, s, after)
            elif change == "code_change":
                old, new = plan.code(s, before), plan.code(s, after)
            elif change == "merger":
                old, new = "действует", plan.successor[code]
            else:
                old, new = "действует", "ликвидирована"
            listed = change != "type_change"
            day = date(year, *CHANGE_DATES[change]) if listed else snapshot_date
            truth.registry_changes.append(
                {
                    "school_code": code,
                    "school_id": f"{region.code}-{code}",
                    "login": s.login,
                    "change_type": change,
                    "academic_year": year,  # the first snapshot year showing it
                    "valid_from": day.isoformat(),
                    "in_change_list": listed,
                    "old_value": old,
                    "new_value": new,
                }
            )
            if listed:
                # the change happens in the academic year before the snapshot that shows it
                rows_by_year.setdefault(year - 1, []).append(
                    [
                        day.strftime("%d.%m.%Y"),
                        plan.code(s, before),
                        s.login,
                        CHANGE_WORDS[change],
                        old,
                        new,
                        f"Приказ от {day.strftime('%d.%m.%Y')}",
                    ]
                )
    for academic_year, rows in sorted(rows_by_year.items()):
        rel = f"registry_changes/Изменения_в_реестре_ОО_{academic_year}-{academic_year + 1}.xlsx"
        sheet = SheetWriter(truth, rel, "registry_changes", academic_year, "Изменения")
        sheet.add(
            [
                "Изменения в реестре общеобразовательных организаций Хабаровского края "
                f"за {academic_year}/{academic_year + 1} учебный год"
            ],
            "skipped",
        )
        sheet.add(CHANGES_HEADER, "skipped")
        for n, cells in enumerate(sorted(rows), start=1):
            sheet.add([n, *cells], "loaded")
        write_xlsx(landing / rel, [sheet])
