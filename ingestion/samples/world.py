"""The invented world behind the demo files: schools, cohorts, pupils and their true results.

Results are drawn from a latent ability per school (DOMAIN §7: "school latent ability ~ N(0,1)
plus a context effect plus noise") and converted with the year's scales. Calibration targets
are seed001's municipal figures (ВПР grade 5 Russian: успеваемость ≈ 79 %, качество ≈ 26 %;
ЕГЭ Russian mean ≈ 66, profile mathematics ≈ 51 with ≈ 14 % below the minimum, …).

Everything is a pure function of the seed: the same seed gives the same world, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from ingestion.samples import names as nm

# ------------------------------------------------------------------ reference values of the world

# (FCT code, canonical subject code, name as РЦОИ titles it, mean, sd) of ЕГЭ 100-point subjects.
EGE_SUBJECTS = (
    ("1", "rus", "Русский язык", 66, 14),
    ("2", "math_profile", "Математика профильная", 51, 20),
    ("3", "phys", "Физика", 47, 15),
    ("4", "chem", "Химия", 50, 20),
    ("6", "bio", "Биология", 45, 17),
    ("7", "hist", "История", 52, 18),
    ("8", "geo", "География", 55, 15),
    ("9", "eng", "Английский язык", 62, 18),
    ("12", "soc", "Обществознание", 54, 15),
    ("18", "lit", "Литература", 58, 16),
    ("25", "inf", "Информатика и ИКТ (КЕГЭ)", 52, 22),
)
# Rosobrnadzor minimum test scores (DOMAIN §2.3; the same since 2020 for these subjects).
EGE_MIN = {
    "1": 24,
    "2": 27,
    "3": 36,
    "4": 36,
    "6": 36,
    "7": 32,
    "8": 37,
    "9": 22,
    "12": 42,
    "18": 32,
    "25": 40,
}
# Shares of graduates choosing an elective, roughly as seed001's participant counts.
EGE_ELECTIVE_SHARE = {
    "3": 0.18,
    "4": 0.12,
    "6": 0.17,
    "7": 0.14,
    "8": 0.04,
    "9": 0.12,
    "12": 0.45,
    "18": 0.06,
    "25": 0.12,
}
EGE_PROFILE_MATH_SHARE = 0.55  # the rest sit base mathematics (22)

# ОГЭ: (FCT code, subject code, name, primary max, mean primary, sd); marks by the year's scale.
OGE_SUBJECTS = (
    ("1", "rus", "Русский язык", 33, 25, 5),
    ("2", "math", "Математика", 31, 13, 6),
    ("12", "soc", "Обществознание", 37, 24, 7),
    ("6", "bio", "Биология", 48, 27, 8),
)
# primary-score lower bounds of marks 3, 4, 5 (DOMAIN §2.2: 2023 Russian, 2023–2026 mathematics)
OGE_SCALES = {"1": (15, 23, 29), "2": (8, 15, 22), "12": (14, 24, 33), "6": (13, 25, 37)}

# ВПР subjects per grade (local codes) and their base mark distribution p2, p3, p4, p5 for a
# typical school (seed001 2021 figures where given).
VPR_SUBJECTS: dict[int, tuple[tuple[str, str, tuple[float, float, float, float]], ...]] = {
    4: (
        ("rus", "Русский язык", (0.06, 0.38, 0.43, 0.13)),
        ("math", "Математика", (0.04, 0.36, 0.40, 0.20)),
        ("okr", "Окружающий мир", (0.02, 0.38, 0.50, 0.10)),
    ),
    5: (
        ("rus", "Русский язык", (0.21, 0.53, 0.22, 0.04)),
        ("math", "Математика", (0.14, 0.46, 0.30, 0.10)),
        ("hist", "История", (0.08, 0.48, 0.34, 0.10)),
    ),
    6: (
        ("rus", "Русский язык", (0.20, 0.50, 0.24, 0.06)),
        ("math", "Математика", (0.16, 0.52, 0.27, 0.05)),
        ("bio", "Биология", (0.09, 0.55, 0.30, 0.06)),
    ),
    7: (
        ("rus", "Русский язык", (0.22, 0.50, 0.23, 0.05)),
        ("math", "Математика", (0.15, 0.56, 0.24, 0.05)),
        ("soc", "Обществознание", (0.10, 0.50, 0.32, 0.08)),
    ),
    8: (
        ("rus", "Русский язык", (0.18, 0.52, 0.25, 0.05)),
        ("math", "Математика", (0.13, 0.68, 0.16, 0.03)),
        ("phys", "Физика", (0.12, 0.55, 0.27, 0.06)),
    ),
}

SCHOOL_TYPE_GRADES = {
    "НОШ": range(1, 5),
    "ООШ": range(1, 10),
    "СОШ": range(1, 12),
    "Гимназия": range(1, 12),
    "Лицей": range(5, 12),
    "Вечерняя (сменная) школа": range(9, 13),
    "Филиал": range(1, 10),
}
ABILITY_SD = 0.45
_N01 = NormalDist()


@dataclass
class School:
    school_code: str
    login: str
    municipality: str
    msu_code: str
    school_type: str
    number: int | None
    settlement: str
    settlement_type: str
    full_name: str
    short_name: str
    parent_code: str | None
    inn: str
    kpp: str
    ogrn: str
    cohort: float  # typical pupils per grade
    ability: float
    planted: list[str] = field(default_factory=list)  # known cases planted for the marts

    @property
    def grades(self) -> range:
        return SCHOOL_TYPE_GRADES[self.school_type]

    @property
    def takes_vpr(self) -> bool:
        return self.school_type != "Вечерняя (сменная) школа"

    @property
    def takes_ege(self) -> bool:
        return 11 in self.grades

    @property
    def takes_oge(self) -> bool:
        return 9 in self.grades


@dataclass
class Region:
    code: str
    name: str
    schools: list[School]
    # a school's Код ОО as one year's files write it, where it differs from its first code
    # (the registry's code changes; samples/registry.py Plan.region_in)
    codes_in_files: dict[str, str] = field(default_factory=dict)

    def file_code(self, school: School) -> str:
        return self.codes_in_files.get(school.school_code, school.school_code)


def build_region(
    rng: np.random.Generator,
    region_code: str,
    municipalities: int,
    schools_per_municipality: tuple[int, ...],
) -> Region:
    schools: list[School] = []
    for m in range(municipalities):
        muni_name, town, town_kind = nm.MUNICIPALITIES[m % len(nm.MUNICIPALITIES)]
        if m >= len(nm.MUNICIPALITIES):
            muni_name = f"{muni_name} {m // len(nm.MUNICIPALITIES) + 1}"
        msu = f"{101 + m:03d}"
        count = schools_per_municipality[m % len(schools_per_municipality)]
        types = _school_types(rng, count)
        # town schools are numbered across the town, village schools within their village
        # (so a district can hold a "СОШ № 1" in its town and another in a village: seed 001's
        # "СОШ №2 Барабаш" beside Славянка's schools); draws from rng are unchanged
        numbered: dict[str, int] = {}
        villages = list(rng.permutation(nm.SETTLEMENTS))
        for seq, school_type in enumerate(types, start=1):
            urban = school_type in ("Гимназия", "Лицей") or (
                town_kind == "город" and rng.random() < 0.7
            )
            settlement = town if urban else str(villages[seq % len(villages)])
            settlement_type = "город" if urban else "село"
            number = None
            if school_type in ("СОШ", "ООШ", "Гимназия", "Лицей", "НОШ") and (
                urban or rng.random() < 0.5
            ):
                numbered[settlement] = numbered.get(settlement, 0) + 1
                number = numbered[settlement]
            code = f"{msu}{seq:03d}"
            login = f"sch{region_code}{m + 1:02d}{seq:02d}"
            legal = (
                "МАОУ"
                if school_type in ("Гимназия", "Лицей")
                else str(rng.choice(["МБОУ", "МКОУ", "МБОУ"]))
            )
            short, full = _names(school_type, number, settlement, settlement_type, legal, rng)
            inn9 = f"{region_code}{int(msu) % 100:02d}{rng.integers(10000, 99999)}"
            ogrn12 = f"10{region_code}{rng.integers(10**7, 10**8 - 1)}"
            cohort: float = {"НОШ": 8, "ООШ": 9, "Филиал": 6, "Вечерняя (сменная) школа": 10}.get(
                school_type, 45 if urban else 16
            )
            cohort = float(max(3, rng.normal(cohort, cohort * 0.25)))
            ability = float(
                rng.normal(0.25 if school_type in ("Гимназия", "Лицей") else -0.05, ABILITY_SD)
            )
            schools.append(
                School(
                    school_code=code,
                    login=login,
                    municipality=muni_name,
                    msu_code=msu,
                    school_type=school_type,
                    number=number,
                    settlement=settlement,
                    settlement_type=settlement_type,
                    full_name=full,
                    short_name=short,
                    parent_code=None,
                    inn=nm.inn_with_check(inn9),
                    kpp=f"{region_code}{int(msu) % 100:02d}01001",
                    ogrn=nm.ogrn_with_check(ogrn12),
                    cohort=cohort,
                    ability=ability,
                )
            )
        # one branch per municipality with more than six schools: a filial of its first СОШ
        parents = [s for s in schools if s.msu_code == msu and s.school_type == "СОШ"]
        if count > 6 and parents:
            parent = parents[0]
            seq = count + 1
            village = str(villages[(seq + 3) % len(villages)])
            schools.append(
                School(
                    school_code=f"{msu}{seq:03d}",
                    login=f"sch{region_code}{m + 1:02d}{seq:02d}",
                    municipality=muni_name,
                    msu_code=msu,
                    school_type="Филиал",
                    number=parent.number,
                    settlement=village,
                    settlement_type="село",
                    full_name=f"Филиал {parent.short_name.split(' ')[0]} «{parent.short_name}» в с. {village}",
                    short_name=f"Филиал {parent.short_name} с. {village}",
                    parent_code=parent.school_code,
                    inn=parent.inn,
                    kpp=parent.kpp[:4] + "43" + f"{seq:03d}",
                    ogrn=parent.ogrn,
                    cohort=float(max(3, rng.normal(6, 1.5))),
                    ability=float(rng.normal(-0.2, ABILITY_SD)),
                )
            )
    return Region(region_code, "Хабаровский край", schools)


# Known cases planted in the demo data for the marts to find (DOMAIN §4). Each has its own
# schools; every other school is "clean" and no mart may flag it.
#   low_results       ability far below the region: ШНОР (§4.1), all procedures, all years
#   inflated_journal  journal marks inflated: many pupils' ВПР mark below the journal (M1)
#   inflated_vpr      ВПР marks inflated in the last year only, not confirmed by the school's
#                     ЕГЭ and a sharp jump against the previous year (M2, M4)
# Other issues plant their own cases in other sources (context forms: unfavourable_context,
# resilient) and record them in the truth's "planted" list beside these.
PLANTED_SCHOOL_CASES = ("low_results", "inflated_journal", "inflated_vpr")
LOW_RESULTS_ABILITY = -1.3
INFLATED_VPR_SHIFT = 2.0
INFLATED_VPR_ABILITY = -0.6
INFLATED_JOURNAL_EXTRA_LOWERED = 0.40  # on top of the usual ~25 % of marks below the journal
# A clean school is ordinary: its ability stays within this band (the region's usual spread
# without its tails), so that what the marts flag is what was planted, not a random draw that
# happens to be a genuinely weak or strong school.
CLEAN_ABILITY_BAND = (-0.45, 0.75)


def plant_cases(rng: np.random.Generator, region: Region) -> None:
    """Plant each case of PLANTED_SCHOOL_CASES in max(1, municipalities // 2) schools.

    The cases go round the municipalities (case k's j-th school in municipality k + 3j), so that
    a region stays mostly ordinary: planted schools are few, as in life, and the markers'
    regional references are made of ordinary schools. СОШ only (they take ВПР, ОГЭ and ЕГЭ),
    never a branch's parent, with a cohort of 9+ pupils (12+ for the marker cases, whose
    evidence must stand out from sampling noise); a school carries at most one case.
    """
    municipalities = list(dict.fromkeys(s.municipality for s in region.schools))
    parents = {s.parent_code for s in region.schools if s.parent_code}
    candidates = [
        s
        for s in region.schools
        if s.school_type == "СОШ" and s.school_code not in parents and s.cohort >= 9
    ]
    copies = max(1, len(municipalities) // 2)
    for j in range(copies):
        for k, case in enumerate(PLANTED_SCHOOL_CASES):
            first = (k + j * len(PLANTED_SCHOOL_CASES)) % len(municipalities)
            # the marker cases need groups big enough to be told from sampling noise
            fit: list[School] = []
            for step in range(len(municipalities)):  # the next municipality if none fits
                municipality = municipalities[(first + step) % len(municipalities)]
                fit = [
                    s
                    for s in candidates
                    if s.municipality == municipality and (case == "low_results" or s.cohort >= 12)
                ]
                if fit:
                    break
            if not fit:
                continue
            school = fit[int(rng.integers(len(fit)))]
            candidates.remove(school)
            school.planted.append(case)
            if case == "low_results":
                school.ability = LOW_RESULTS_ABILITY
            elif case == "inflated_journal":
                school.ability = float(np.clip(school.ability, -0.3, 0.1))
            elif case == "inflated_vpr":
                # a below-average school (its ЕГЭ must stay below the region's mean, which the
                # low-results schools pull down) whose ВПР marks jump to the region's top
                school.ability = INFLATED_VPR_ABILITY
    for school in region.schools:
        if not school.planted:
            school.ability = float(np.clip(school.ability, *CLEAN_ABILITY_BAND))


def _school_types(rng: np.random.Generator, count: int) -> list[str]:
    types = ["СОШ"] * count
    specials = ["Гимназия", "Лицей", "ООШ", "ООШ", "Вечерняя (сменная) школа", "НОШ", "ООШ"]
    for i, kind in enumerate(specials[: max(0, count - 3)]):
        types[(i * 3 + 1) % count] = kind
    return types


def _names(
    school_type: str,
    number: int | None,
    settlement: str,
    settlement_type: str,
    legal: str,
    rng: np.random.Generator,
) -> tuple[str, str]:
    prefix = "г." if settlement_type == "город" else str(rng.choice(["с.", "п.", "пгт"]))
    num = f" № {number}" if number else ""
    kinds = {
        "СОШ": ("СОШ", "средняя общеобразовательная школа"),
        "ООШ": ("ООШ", "основная общеобразовательная школа"),
        "НОШ": ("НОШ", "начальная общеобразовательная школа"),
        "Гимназия": ("Гимназия", "гимназия"),
        "Лицей": ("Лицей", "лицей"),
        "Вечерняя (сменная) школа": (
            "СОШ «Вечерняя (сменная) школа»",
            "вечерняя (сменная) общеобразовательная школа",
        ),
    }
    short_kind, long_kind = kinds[school_type]
    honoree = f" им. {rng.choice(nm.HONOREES)}" if rng.random() < 0.15 else ""
    short = f"{legal} {short_kind}{num} {prefix} {settlement}"
    org = {
        "МБОУ": "Муниципальное бюджетное",
        "МКОУ": "Муниципальное казённое",
        "МАОУ": "Муниципальное автономное",
    }[legal]
    full = (
        f"{org} общеобразовательное учреждение «{long_kind.capitalize()}{num}{honoree} "
        f"{prefix} {settlement}»"
    )
    return short, full


# ------------------------------------------------------------------ results


def cohort_size(rng: np.random.Generator, school: School, grade: int) -> int:
    base = school.cohort * (0.75 if grade >= 10 else 1.0)
    return int(max(1, round(rng.normal(base, base * 0.12))))


def cutpoints(probabilities: tuple[float, float, float, float]) -> tuple[float, float, float]:
    """Latent cut points so that a typical school has the given mark shares."""
    sd = (1 + ABILITY_SD**2) ** 0.5
    p2, p3, p4, _ = probabilities
    return tuple(_N01.inv_cdf(min(0.999, q)) * sd for q in (p2, p2 + p3, p2 + p3 + p4))  # type: ignore[return-value]


def marks_from_latent(latent: np.ndarray, cuts: tuple[float, float, float]) -> np.ndarray:
    return 2 + np.searchsorted(np.asarray(cuts), latent, side="right")


def vpr_results(
    rng: np.random.Generator,
    school: School,
    grade: int,
    probabilities: tuple[float, float, float, float],
    shift: float = 0.0,
) -> dict:
    """True ВПР marks of one school × grade × subject, and the journal comparison."""
    cohort = cohort_size(rng, school, grade)
    n = int(rng.binomial(cohort, 0.92)) or 1
    latent = rng.normal(school.ability + shift, 1.0, n)
    marks = marks_from_latent(latent, cutpoints(probabilities))
    counts = {k: int((marks == k).sum()) for k in (2, 3, 4, 5)}
    # journal mark vs ВПР mark: ВПР lower than the journal ("понизили") ~ 25 %, higher ~ 7 %
    lowered_share = 0.25 + (
        INFLATED_JOURNAL_EXTRA_LOWERED if "inflated_journal" in school.planted else 0.0
    )
    draw = rng.random(n)
    lowered = int(((draw < lowered_share) & (marks < 5)).sum())
    raised = int(((draw > 1 - 0.07) & (marks > 2)).sum())
    confirmed = n - lowered - raised
    return {
        "participants": n,
        "marks": counts,
        "journal": {"lowered": lowered, "confirmed": confirmed, "raised": raised},
    }


_LATENT_SD = (1 + ABILITY_SD**2) ** 0.5


def ege_scores(latent: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """Test scores 0–100 from pupils' latent ability (school ability + own N(0, 1))."""
    return np.clip(np.rint(mean + sd * latent / _LATENT_SD), 0, 100).astype(int)


def oge_primary(latent: np.ndarray, maximum: int, mean: float, sd: float) -> np.ndarray:
    return np.clip(np.rint(mean + sd * latent / _LATENT_SD), 0, maximum).astype(int)


def oge_marks(primary: np.ndarray, scale: tuple[int, int, int]) -> np.ndarray:
    return 2 + np.searchsorted(np.asarray(scale), primary, side="right")
