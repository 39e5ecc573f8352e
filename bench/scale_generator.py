"""Landing folders at any scale, for the benchmark: a municipality, a region, a country.

    python -m bench.scale_generator --scale region --out build/bench/region/landing --seed 42

The same kinds of files as the demo generator (``generate.py``), shaped the same way, but
produced vectorised so that a country (≈ 40,000 schools in ≈ 2,300 municipalities of 85
regions, ≈ 6 million pupil results a year) is written in minutes:

- РЦОИ ЕГЭ and ОГЭ "ведомости": one CSV per region × exam sitting × year, Windows-1251,
  ``;``-separated, with the title row, header, pupils' names and document numbers (invented;
  the readers drop them) and the footer rows ("Средние", "Минимальная граница", "Всего
  участников"); built with pyarrow string kernels;
- the school registry and the ФИС ОКО ВПР report as xlsx (xlsxwriter, constant memory): one
  workbook per school at municipality and region scale, one per municipality at country scale
  (then with the municipality's summary row, which the reader skips);
- ``late/``: one extra school file (an additional ВПР subject of one school in the last year)
  that the benchmark drops into the landing folder to measure an incremental refresh.

The data are clean (no injected defects: the demo generator covers those); names are unique
within a school and year so that the arrival check "one result per pupil and sitting" passes.
Everything is a pure function of the seed and the scale; regions are generated independently
(``numpy.random.default_rng([seed, region, year])``), in parallel processes at country scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from ingestion.samples import names as nm
from ingestion.samples import world as w
from ingestion.samples.layouts import (
    EGE_BASE_HEADER,
    EGE_HEADER,
    OGE_HEADER,
    REGISTRY_HEADER,
    VPR_COUNTS_HEADER,
)

YEARS = (2021, 2022, 2023)
_CREATED = dt.datetime(2024, 1, 1)


@dataclass(frozen=True)
class Scale:
    regions: int
    municipalities: int  # in total
    schools: int  # in total (approximately, at country scale)
    xlsx_per: str  # "school" or "municipality"


SCALES = {
    "municipality": Scale(1, 1, 10, "school"),
    "region": Scale(1, 25, 500, "school"),
    "country": Scale(85, 2300, 40_000, "municipality"),
}

# school type shares (DOMAIN §3.2, §7): mostly СОШ; no branches (clean data)
TYPES = ("СОШ", "ООШ", "НОШ", "Гимназия", "Лицей", "Вечерняя (сменная) школа")
TYPE_SHARES = (0.72, 0.13, 0.03, 0.06, 0.04, 0.02)
SINGLE_REGION_CODE = "27"

_N01 = NormalDist()
_MALE_SPACE = len(nm.SURNAMES_M) * len(nm.NAMES_M) * len(nm.PATRONYMIC_ROOTS)
_FEMALE_SPACE = len(nm.SURNAMES_M) * len(nm.NAMES_F) * len(nm.PATRONYMIC_ROOTS)
NAME_SPACE = _MALE_SPACE + _FEMALE_SPACE
_NAME_STRIDE = 10_007  # prime, coprime with NAME_SPACE: consecutive pupils get distinct names

# the late file: an extra ВПР subject of one school (grade 7, chosen by lot in 2020s campaigns)
LATE_SUBJECT = ("geo", "География", (0.10, 0.55, 0.29, 0.06))


@dataclass
class RegionPlan:
    index: int
    code: str
    name: str
    municipalities: list[int]  # schools per municipality
    municipality_offset: int  # for globally distinct municipality names


@dataclass
class Stats:
    files: dict[str, int]
    rows: dict[str, int]
    bytes: dict[str, int]
    schools: int
    municipalities: int

    def add(self, other: Stats) -> None:
        for mine, theirs in (
            (self.files, other.files),
            (self.rows, other.rows),
            (self.bytes, other.bytes),
        ):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
        self.schools += other.schools
        self.municipalities += other.municipalities


def plan_regions(scale: Scale, seed: int) -> list[RegionPlan]:
    """Regions with their municipalities' school counts (log-normal sizes, DOMAIN §7)."""
    rng = np.random.default_rng([seed, 0])
    if scale.regions == 1:
        munis = _split(rng, scale.schools, scale.municipalities, sigma=0.35)
        return [RegionPlan(0, SINGLE_REGION_CODE, "Хабаровский край", munis, 0)]
    region_munis = _split(rng, scale.municipalities, scale.regions, sigma=0.6, minimum=3)
    region_schools = _split(rng, scale.schools, scale.regions, sigma=0.0, weights=region_munis)
    plans, offset = [], 0
    others = [f"{c:02d}" for c in range(1, 90) if c != 27]
    codes = [*others[: scale.regions - 1], "27"]
    for i, (m, s) in enumerate(zip(region_munis, region_schools, strict=True)):
        munis = _split(rng, max(s, m), m, sigma=0.5)
        plans.append(RegionPlan(i, codes[i], f"регион {codes[i]}", munis, offset))
        offset += m
    return plans


def _split(
    rng: np.random.Generator,
    total: int,
    parts: int,
    *,
    sigma: float,
    minimum: int = 1,
    weights: list[int] | None = None,
) -> list[int]:
    """``total`` split into ``parts`` positive integers with log-normal sizes."""
    if weights is not None:
        raw = np.asarray(weights, dtype=float) * rng.lognormal(0, 0.25, parts)
    else:
        raw = rng.lognormal(0, sigma, parts) if sigma else np.ones(parts)
    sizes = np.maximum(minimum, np.floor(raw / raw.sum() * total)).astype(int)
    order = np.argsort(-raw)
    i = 0
    while sizes.sum() < total:
        sizes[order[i % parts]] += 1
        i += 1
    while sizes.sum() > total and sizes.max() > minimum:
        sizes[int(np.argmax(sizes))] -= 1
    return [int(x) for x in sizes]


# =================================================================== schools


def _schools(plan: RegionPlan, seed: int) -> dict[str, Any]:
    """Columns of the region's schools (stable across academic years)."""
    rng = np.random.default_rng([seed, 1, plan.index])
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "code",
            "login",
            "msu",
            "municipality",
            "type",
            "urban",
            "settlement",
            "short_name",
            "full_name",
            "inn",
            "kpp",
            "ogrn",
        )
    }
    muni_index: list[int] = []
    for m, count in enumerate(plan.municipalities):
        g = plan.municipality_offset + m
        base, town, _ = nm.MUNICIPALITIES[g % len(nm.MUNICIPALITIES)]
        muni_name = (
            base if g < len(nm.MUNICIPALITIES) else f"{base} {g // len(nm.MUNICIPALITIES) + 1}"
        )
        msu = f"{101 + m:03d}"
        types = rng.choice(len(TYPES), size=count, p=TYPE_SHARES)
        for seq in range(1, count + 1):
            kind = TYPES[int(types[seq - 1])]
            urban = kind in ("Гимназия", "Лицей") or bool(rng.random() < 0.55)
            village = nm.SETTLEMENTS[int(rng.integers(len(nm.SETTLEMENTS)))]
            settlement = town if urban else village
            numbered = seq  # every school numbered in its municipality
            prefix = "г." if urban else "с."
            short_kind = {"Вечерняя (сменная) школа": "СОШ «Вечерняя (сменная) школа»"}.get(
                kind, kind
            )
            short = f"МБОУ {short_kind} № {numbered} {prefix} {settlement}"
            # ИНН unique in the country: region, municipality code, the school's number (the
            # random draw stays so that the rest of a seed's data is unchanged; as the suffix
            # it made two schools of one region share ИНН + КПП at country scale)
            rng.integers(10000, 99999)
            inn9 = f"{plan.code}{int(msu) % 100:02d}{int(msu) // 100 % 10}{seq:04d}"
            rows["code"].append(f"{msu}{seq:03d}")
            rows["login"].append(f"sch{plan.code}{m + 1:03d}{seq:03d}")
            rows["msu"].append(msu)
            rows["municipality"].append(muni_name)
            rows["type"].append(kind)
            rows["urban"].append(urban)
            rows["settlement"].append(settlement)
            rows["short_name"].append(short)
            rows["full_name"].append(
                f"Муниципальное бюджетное общеобразовательное учреждение «{kind} № {numbered} "
                f"{prefix} {settlement}»"
            )
            rows["inn"].append(nm.inn_with_check(inn9))
            rows["kpp"].append(f"{plan.code}{int(msu) % 100:02d}01001")
            rows["ogrn"].append(
                nm.ogrn_with_check(f"10{plan.code}{rng.integers(10**7, 10**8 - 1)}")
            )
            muni_index.append(m)
    n = len(rows["code"])
    kinds = np.array(rows["type"], dtype=object)
    urban_arr = np.array(rows["urban"], dtype=bool)
    base_cohort = np.where(urban_arr, 60.0, 14.0)
    base_cohort = np.where(kinds == "ООШ", 9.0, base_cohort)
    base_cohort = np.where(kinds == "НОШ", 8.0, base_cohort)
    base_cohort = np.where(kinds == "Вечерняя (сменная) школа", 10.0, base_cohort)
    cohort = np.maximum(3.0, rng.normal(base_cohort, base_cohort * 0.25))
    strong = np.isin(kinds, ["Гимназия", "Лицей"])
    ability = rng.normal(np.where(strong, 0.25, -0.05), w.ABILITY_SD, n)
    first = np.array([w.SCHOOL_TYPE_GRADES[k].start for k in rows["type"]])
    last = np.array([w.SCHOOL_TYPE_GRADES[k].stop - 1 for k in rows["type"]])
    return {
        **{k: np.array(v, dtype=object) for k, v in rows.items()},
        "urban": urban_arr,
        "muni_index": np.array(muni_index),
        "cohort": cohort,
        "ability": ability,
        "first_grade": first,
        "last_grade": last,
        "takes_vpr": kinds != "Вечерняя (сменная) школа",
        "count": n,
    }


# =================================================================== results


def _cohorts(rng: np.random.Generator, schools: dict[str, Any], grade: int, mask) -> np.ndarray:
    base = schools["cohort"] * (0.75 if grade >= 10 else 1.0)
    n = np.maximum(1, np.rint(rng.normal(base, base * 0.12))).astype(int)
    return np.where(mask, n, 0)


def _vpr_rows(
    rng: np.random.Generator, schools: dict[str, Any], extra: bool = False
) -> dict[str, np.ndarray]:
    """One row per school × grade × subject: participants, mark counts, journal comparison."""
    parts: list[dict[str, np.ndarray]] = []
    subjects: dict[int, tuple[tuple[str, str, tuple[float, float, float, float]], ...]] = (
        {7: (LATE_SUBJECT,)} if extra else dict(w.VPR_SUBJECTS)
    )
    for grade, subject_list in subjects.items():
        has = (
            schools["takes_vpr"]
            & (schools["first_grade"] <= grade)
            & (schools["last_grade"] >= grade)
        )
        idx = np.flatnonzero(has)
        for _, subject, probs in subject_list:
            cohort = _cohorts(rng, {"cohort": schools["cohort"][idx]}, grade, True)
            n = np.maximum(1, rng.binomial(cohort, 0.92))
            cuts = np.asarray(w.cutpoints(probs))
            latent = rng.normal(np.repeat(schools["ability"][idx], n), 1.0)
            marks = 2 + np.searchsorted(cuts, latent, side="right")
            owner = np.repeat(np.arange(len(idx)), n)
            counts = np.zeros((len(idx), 4), dtype=np.int64)
            np.add.at(counts, (owner, marks - 2), 1)
            lowered = rng.binomial(n - counts[:, 3], 0.25)
            raised = rng.binomial(np.maximum(0, n - counts[:, 0] - lowered), 0.07)
            parts.append(
                {
                    "school": idx,
                    "grade": np.full(len(idx), grade),
                    "subject": np.full(len(idx), subject, dtype=object),
                    "n": n,
                    "m2": counts[:, 0],
                    "m3": counts[:, 1],
                    "m4": counts[:, 2],
                    "m5": counts[:, 3],
                    "lowered": lowered,
                    "confirmed": n - lowered - raised,
                    "raised": raised,
                }
            )
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((out["grade"], out["school"]))  # stable: subjects keep their order
    return {k: v[order] for k, v in out.items()}


def _pupils(
    rng: np.random.Generator, schools: dict[str, Any], grade: int, mask: np.ndarray
) -> dict[str, np.ndarray]:
    n = _cohorts(rng, schools, grade, mask)
    school = np.repeat(np.arange(schools["count"]), n)
    ordinal = np.arange(len(school)) - np.repeat(np.cumsum(n) - n, n)
    offset = rng.integers(0, NAME_SPACE, schools["count"])
    combo = (offset[school] + ordinal * _NAME_STRIDE) % NAME_SPACE
    return {
        "school": school,
        "ordinal": ordinal,
        "ability": rng.normal(schools["ability"][school], 1.0),
        "combo": combo,
        "series": rng.integers(10, 24, len(school)),
        "number": rng.integers(100000, 999999, len(school)),
    }


def _name_columns(combo: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array]:
    female = combo >= _MALE_SPACE
    rest = np.where(female, combo - _MALE_SPACE, combo)
    names = np.where(female, len(nm.NAMES_F), len(nm.NAMES_M))
    per_surname = names * len(nm.PATRONYMIC_ROOTS)
    s = rest // per_surname
    rest = rest % per_surname
    n, p = rest // len(nm.PATRONYMIC_ROOTS), rest % len(nm.PATRONYMIC_ROOTS)
    surnames = pa.array(nm.SURNAMES_M + [x + "а" for x in nm.SURNAMES_M])
    given = pa.array(nm.NAMES_M + nm.NAMES_F)
    patronymics = pa.array(
        [r + "ич" for r in nm.PATRONYMIC_ROOTS] + [r + "на" for r in nm.PATRONYMIC_ROOTS]
    )
    k = len(nm.SURNAMES_M)
    return (
        pc.take(surnames, pa.array(s + female * k)),
        pc.take(given, pa.array(n + female * len(nm.NAMES_M))),
        pc.take(patronymics, pa.array(p + female * len(nm.PATRONYMIC_ROOTS))),
    )


def _text(values: np.ndarray | pa.Array) -> pa.Array:
    arr = values if isinstance(values, pa.Array) else pa.array(values)
    return pc.cast(arr, pa.string())


def _csv_bytes(head_lines: list[str], columns: list[pa.Array], tail_lines: list[str]) -> bytes:
    """``;``-joined rows (no quoting needed: no cell holds ``;`` or a quote), CRLF, cp1251."""
    lines = pc.binary_join_element_wise(*columns, ";")
    joined = pc.binary_join(pa.LargeListArray.from_arrays([0, len(lines)], lines), "\r\n")
    body = joined[0].as_py() if len(lines) else ""
    text = "\r\n".join([*head_lines, body, *tail_lines]) + "\r\n"
    return text.encode("cp1251")


def _exam_files(
    out: Path,
    folder: str,
    plan: RegionPlan,
    schools: dict[str, Any],
    rng: np.random.Generator,
    year: int,
    kind: str,
) -> tuple[int, int, int]:
    """ЕГЭ or ОГЭ CSV files of one region and year: (files, data rows, bytes)."""
    exam_year = year + 1
    grade = 11 if kind == "ege" else 9
    takes = (schools["first_grade"] <= grade) & (schools["last_grade"] >= grade)
    pupils = _pupils(rng, schools, grade, takes)
    count = len(pupils["school"])
    sittings: list[tuple[str, str, np.ndarray, tuple[Any, ...]]] = []
    if kind == "ege":
        info = {code: (name, mean, sd) for code, _, name, mean, sd in w.EGE_SUBJECTS}
        profile = rng.random(count) < w.EGE_PROFILE_MATH_SHARE
        sittings.append(("1", info["1"][0], np.ones(count, bool), info["1"]))
        sittings.append(("2", info["2"][0], profile, info["2"]))
        sittings.append(("22", "Математика базовая", ~profile, ("", 0, 0)))
        for code, share in w.EGE_ELECTIVE_SHARE.items():
            sittings.append((code, info[code][0], rng.random(count) < share * 0.9, info[code]))
    else:
        for code, _, name, maximum, mean, sd in w.OGE_SUBJECTS:
            chosen = np.ones(count, bool) if code in ("1", "2") else rng.random(count) < 0.4
            sittings.append((code, name, chosen, (maximum, mean, sd)))
    sittings.sort(key=lambda s: int(s[0]))
    files = rows = size = 0
    msu = schools["msu"]
    code_col = schools["code"]
    for day, (code, name, chosen, params) in enumerate(sittings):
        sel = np.flatnonzero(chosen)
        n = len(sel)
        if n == 0:
            continue
        school = pupils["school"][sel]
        ability = pupils["ability"][sel]
        if kind == "ege":
            date = f"{exam_year}.06.{(day % 20) + 1:02d}"
            if code == "22":
                result = w.marks_from_latent(ability + 0.6, (-2.2, -0.9, 0.4))
                primary = result * 4
            else:
                _, mean, sd = params
                result = w.ege_scores(ability, mean, sd)
                primary = np.rint(result * 0.6).astype(int)
            header = EGE_BASE_HEADER if code == "22" else EGE_HEADER
            answers = [pa.array(np.full(n, "+-++-++-++-+", dtype=object))]
            if code != "22":
                answers.append(pa.array(np.full(n, "1(2)0(2)", dtype=object)))
            classes = pc.binary_join_element_wise(
                pa.array(np.full(n, "11", dtype=object)),
                pc.take(pa.array(["А", "Б", "В"]), pa.array(pupils["ordinal"][sel] % 3)),
                "",
            )
            surname, given, patronymic = _name_columns(pupils["combo"][sel])
            documents = [
                pc.binary_join_element_wise(
                    pa.array(np.full(n, "08", dtype=object)),
                    _text(pupils["series"][sel]),
                    "",
                ),
                _text(pupils["number"][sel]),
            ]
        else:
            maximum, mean, sd = params
            date = f"{exam_year}.05.{24 + day:02d}"
            primary = w.oge_primary(ability, maximum, mean, sd)
            result = w.oge_marks(primary, w.OGE_SCALES[code])
            header = OGE_HEADER
            answers = [
                pa.array(np.full(n, "++-+", dtype=object)),
                pa.array(np.full(n, "2(2)1(3)", dtype=object)),
            ]
            classes = pc.binary_join_element_wise(
                pa.array(np.full(n, "9", dtype=object)),
                pc.take(pa.array(["А", "Б"]), pa.array(pupils["ordinal"][sel] % 2)),
                "",
            )
            surname, given, patronymic = _name_columns(pupils["combo"][sel])
            documents = [
                pc.binary_join_element_wise(
                    pa.array(np.full(n, "08", dtype=object)),
                    _text(pupils["series"][sel]),
                    _text(pupils["number"][sel]),
                    " ",
                )
            ]
        ordinal = pupils["ordinal"][sel]
        columns = [
            _text(np.arange(1, n + 1)),
            pa.array(msu[school]),
            pa.array(code_col[school]),
            classes,
            pa.array(np.full(n, f"{plan.code}01", dtype=object)),
            _text(ordinal // 15 + 1),
            surname,
            given,
            patronymic,
            *documents,
            *answers,
            _text(primary),
            _text(result),
        ]
        width = len(header)
        title = f"{int(code):02d} - {name} {date}"
        if kind == "ege":
            mean_text = f"{float(np.mean(result)):.1f}".replace(".", ",")
            head = [";" * (width - 1), title, ";".join(header)]
            minimum = w.EGE_MIN.get(code, 3)
            tail = [
                ";" * 12 + f"Средние;;{mean_text}",
                ";" * 12 + f"Минимальная граница;;{minimum}",
                f"Всего участников: {n}",
            ]
        else:
            head = [title, "", ";".join(header)]
            tail = [
                ";" * 11
                + f"Средние;{float(np.mean(primary)):.2f};{float(np.mean(result)):.2f}".replace(
                    ".", ","
                )
            ]
        data = _csv_bytes(head, columns, tail)
        short = name.split()[0]
        path = (
            out
            / folder
            / _region_dir(plan)
            / (
                f"{kind.upper().replace('EGE', 'ЕГЭ').replace('OGE', 'ОГЭ')}_{exam_year}_"
                f"{int(code):02d}_{short}_{plan.code}.csv"
            )
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files += 1
        rows += n
        size += len(data)
    return files, rows, size


def _region_dir(plan: RegionPlan) -> str:
    return "" if plan.code == SINGLE_REGION_CODE and plan.index == 0 else f"region={plan.code}"


# =================================================================== spreadsheets


def _workbook(path: Path, sheet: str, rows: list[list[Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
    book.set_properties({"created": _CREATED})  # same bytes for the same seed
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, int | float | np.integer | np.floating):
                ws.write_number(r, c, float(value))
            else:
                ws.write_string(r, c, str(value))
    book.close()
    return path.stat().st_size


def _groups(plan: RegionPlan, schools: dict[str, Any], per: str) -> list[tuple[str, np.ndarray]]:
    """(file key, school indices) for each workbook of a kind."""
    if per == "school":
        return [(schools["code"][i], np.array([i])) for i in range(schools["count"])]
    return [
        (f"{101 + m:03d}", np.flatnonzero(schools["muni_index"] == m))
        for m in range(len(plan.municipalities))
    ]


def _registry_files(
    out: Path, plan: RegionPlan, schools: dict[str, Any], year: int, per: str
) -> tuple[int, int, int]:
    files = rows = size = 0
    for key, members in _groups(plan, schools, per):
        sheet: list[list[Any]] = [
            [f"Реестр общеобразовательных организаций ({plan.name}) на 01.09.{year}"],
            [],
            REGISTRY_HEADER,
        ]
        for number, i in enumerate(members, start=1):
            sheet.append(
                [
                    number,
                    schools["code"][i],
                    schools["login"][i],
                    schools["full_name"][i],
                    schools["short_name"][i],
                    schools["municipality"][i],
                    schools["msu"][i],
                    schools["type"][i],
                    "",
                    "город" if schools["urban"][i] else "село",
                    schools["settlement"][i],
                    schools["inn"][i],
                    schools["kpp"][i],
                    schools["ogrn"][i],
                    "действует",
                ]
            )
        path = out / "registry" / _region_dir(plan) / f"Реестр_ОО_{key}_на_01.09.{year}.xlsx"
        size += _workbook(path, "Реестр", sheet)
        files += 1
        rows += len(members)
    return files, rows, size


def _vpr_sheet(
    plan: RegionPlan, schools: dict[str, Any], vpr: dict[str, np.ndarray], year: int, members
) -> list[list[Any]]:
    campaign_year = year + 1
    season = "осень" if campaign_year == 2022 else "весна"
    sheet: list[list[Any]] = [
        [
            f"Всероссийские проверочные работы {year}/{year + 1} учебного года "
            f"({season} {campaign_year})"
        ],
        [f"Статистика по отметкам. {plan.name}"],
        VPR_COUNTS_HEADER,
    ]
    if len(members) > 1:  # a municipality's workbook opens with its summary row
        wanted = np.isin(vpr["school"], members)
        total = int(vpr["n"][wanted].sum())
        sheet.append(["", schools["municipality"][members[0]], "", "", total])
    for i in members:
        for r in np.flatnonzero(vpr["school"] == i):
            sheet.append(
                [
                    schools["login"][i],
                    schools["short_name"][i],
                    int(vpr["grade"][r]),
                    vpr["subject"][r],
                    int(vpr["n"][r]),
                    int(vpr["m2"][r]),
                    int(vpr["m3"][r]),
                    int(vpr["m4"][r]),
                    int(vpr["m5"][r]),
                    int(vpr["lowered"][r]),
                    int(vpr["confirmed"][r]),
                    int(vpr["raised"][r]),
                ]
            )
    return sheet


def _vpr_files(
    out: Path,
    plan: RegionPlan,
    schools: dict[str, Any],
    vpr: dict[str, np.ndarray],
    year: int,
    per: str,
) -> tuple[int, int, int]:
    files = rows = size = 0
    campaign_year = year + 1
    season = "осень" if campaign_year == 2022 else "весна"
    # rows sorted by school: slice per workbook instead of scanning
    for key, members in _groups(plan, schools, per):
        sheet = _vpr_sheet(plan, schools, _subset(vpr, members), year, members)
        path = (
            out
            / "vpr_fisoko"
            / _region_dir(plan)
            / f"ВПР_{campaign_year}_{season}_статистика_по_отметкам_{key}.xlsx"
        )
        size += _workbook(path, "Статистика по отметкам", sheet)
        files += 1
        rows += len(sheet) - 3
    return files, rows, size


def _subset(vpr: dict[str, np.ndarray], members: np.ndarray) -> dict[str, np.ndarray]:
    lo = np.searchsorted(vpr["school"], members.min(), side="left")
    hi = np.searchsorted(vpr["school"], members.max(), side="right")
    return {k: v[lo:hi] for k, v in vpr.items()}


def generate_region(
    args: tuple[Path, RegionPlan, int, str, tuple[int, ...], bool],
) -> Stats:
    out, plan, seed, per, years, write_late = args
    schools = _schools(plan, seed)
    stats = Stats({}, {}, {}, schools["count"], len(plan.municipalities))

    def count(kind: str, result: tuple[int, int, int]) -> None:
        stats.files[kind] = stats.files.get(kind, 0) + result[0]
        stats.rows[kind] = stats.rows.get(kind, 0) + result[1]
        stats.bytes[kind] = stats.bytes.get(kind, 0) + result[2]

    for year in years:
        rng = np.random.default_rng([seed, 2, plan.index, year])
        count("registry", _registry_files(out, plan, schools, year, per))
        vpr = _vpr_rows(rng, schools)
        count("vpr_fisoko", _vpr_files(out, plan, schools, vpr, year, per))
        count("ege_rcoi", _exam_files(out, "ege_rcoi", plan, schools, rng, year, "ege"))
        count("oge_rcoi", _exam_files(out, "oge_rcoi", plan, schools, rng, year, "oge"))
    if write_late:
        _late_file(out.parent / "late", plan, schools, seed, years[-1])
    return stats


def _late_file(late: Path, plan: RegionPlan, schools: dict[str, Any], seed: int, year: int) -> None:
    """One school's report of an extra ВПР subject, delivered after the rest (incremental run)."""
    rng = np.random.default_rng([seed, 3, plan.index, year])
    candidates = np.flatnonzero(
        (schools["type"] == "СОШ") & (schools["first_grade"] <= 7) & (schools["last_grade"] >= 7)
    )
    school = int(candidates[0])
    one = {k: (v[[school]] if isinstance(v, np.ndarray) else v) for k, v in schools.items()}
    one["count"] = 1
    vpr = _vpr_rows(rng, one, extra=True)
    vpr["school"] = np.full(len(vpr["school"]), school)
    sheet = _vpr_sheet(plan, schools, vpr, year, np.array([school]))
    campaign_year = year + 1
    path = (
        late
        / "vpr_fisoko"
        / _region_dir(plan)
        / f"ВПР_{campaign_year}_весна_география_{schools['login'][school]}.xlsx"
    )
    _workbook(path, "Статистика по отметкам", sheet)


def generate(
    out: Path,
    *,
    scale: str,
    seed: int = 42,
    years: tuple[int, ...] = YEARS,
    workers: int | None = None,
) -> dict[str, Any]:
    """Write the landing folder ``out`` (replaced) and ``out/../late``; returns a summary."""
    started = time.monotonic()
    spec = SCALES[scale]
    for folder in (out, out.parent / "late"):
        if folder.exists():
            shutil.rmtree(folder)
    out.mkdir(parents=True)
    plans = plan_regions(spec, seed)
    jobs = [(out, p, seed, spec.xlsx_per, years, p.index == 0) for p in plans]
    total = Stats({}, {}, {}, 0, 0)
    workers = workers or (min(len(plans), os.cpu_count() or 1) if len(plans) > 1 else 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for stats in pool.map(generate_region, jobs):
                total.add(stats)
    else:
        for job in jobs:
            total.add(generate_region(job))
    summary = {
        "scale": scale,
        "seed": seed,
        "academic_years": list(years),
        "regions": len(plans),
        **asdict(total),
        "seconds": round(time.monotonic() - started, 1),
    }
    (out.parent / "generated.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--out", type=Path, required=True, help="the landing folder to write")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    summary = generate(args.out, scale=args.scale, seed=args.seed, workers=args.workers)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
