"""Demo ВПР pupil-level collection forms (DOMAIN §2.1) and the M3/M5 objectivity cases.

For the last academic year every school that writes ВПР grade 5 sends its collection forms for
mathematics and Russian: one row per pupil with a 5-digit participant code, the class ("5А"),
the variant, the points of every task, the primary score, the mark and the journal mark, plus
two absentees ("отсутствовал"). The marks and the journal comparison republish the ФИС ОКО
truth (``truth.vpr``), so the warehouse's pupil-level aggregates equal the report; one form
(the last ordinary school's Russian) has one mark raised from 3 to 4: the cross-check must
warn. Recorded in ``truth.vpr_forms``. No names: participant codes only.

Primary scores agree with the marks on the work's scale (``WORKS``: the 2020/21 scales of
DOMAIN §2.1, as the ``vpr_mark_scales`` seed assumes them for the demo years): a pupil's score
is drawn from the school's smooth score distribution (its ability on the latent scale of
``world.vpr_results``, mapped linearly onto primary scores) restricted to the range of the
pupil's mark, so the distribution has no step at a mark's threshold. The points of the tasks
add up to the score: each point goes to a task with a probability that falls with the task's
difficulty (weighted sampling of the work's points without replacement), so every school
does the basic tasks better than the hard ones.

Two cases are planted for the objectivity markers, each in one ordinary school with a large
grade 5 (``truth.planted``, ``school.planted``), in both works:

- ``inverted_difficulty`` (M3): the pupils' points go preferentially to the HARD tasks, at the
  same primary scores and marks: basic tasks done worse than the region, hard tasks better;
- ``score_spike`` (M5): most pupils with a «3» sit exactly on the threshold of the «3», and no
  pupil with a «2» is one or two points below it.

The task structure of the works is invented for the demo (the maxima add up to the work's
maximum primary score); the reader and the warehouse never rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from ingestion.samples import world as w
from ingestion.samples.writers import SheetWriter, Truth, write_xlsx


@dataclass(frozen=True)
class Work:
    subject_code: str
    subject_name: str
    grade: int
    thresholds: tuple[int, int, int]  # lowest primary score of the marks 3, 4, 5
    tasks: tuple[tuple[str, int], ...]  # (task column, maximum points), easiest first

    @property
    def max_score(self) -> int:
        return sum(m for _, m in self.tasks)


# 2020/21 scales of DOMAIN §2.1 (R39): mathematics 5 0–6 / 7–10 / 11–14 / 15–20, Russian 5
# 0–17 / 18–28 / 29–38 / 39–45; the tasks (and their maxima) are the demo's own.
WORKS = (
    Work(
        "math",
        "Математика",
        5,
        (7, 11, 15),
        tuple(zip([str(n) for n in range(1, 15)], [1] * 7 + [2, 2, 1, 2, 2, 2, 2], strict=True)),
    ),
    Work(
        "rus",
        "Русский язык",
        5,
        (18, 29, 39),
        (
            ("1.1", 4),
            ("1.2", 3),
            ("2", 9),
            ("3.1", 1),
            ("3.2", 2),
            ("4.1", 2),
            ("4.2", 2),
            ("5", 4),
            ("6", 2),
            ("7.1", 2),
            ("7.2", 2),
            ("8.1", 2),
            ("8.2", 2),
            ("9", 2),
            ("10", 2),
            ("11", 4),
        ),
    ),
)
CASES = ("inverted_difficulty", "score_spike")
CASE_DETAIL = {
    "inverted_difficulty": "grade 5 forms: points go to the hard tasks before the basic ones "
    "(same scores and marks): basic tasks below the region, hard tasks above",
    "score_spike": "grade 5 forms: ~80% of the «3» exactly on the threshold of the «3», no «2» "
    "one or two points below it",
}
# planted cases that leave a school's ВПР untouched: such a school may carry an M3/M5 case too
GIA_SIDE_CASES = ("inflated_annual_marks", "medalists_low_ege")
# a planted school needs a grade big enough for its evidence to stand out from sampling noise
MIN_PLANTED_PARTICIPANTS = 15
_N01 = NormalDist()
TASK_EASE = 1.6  # log-odds of a point going to the easiest task rather than the hardest
INVERTED_EASE = -0.5  # the inverted_difficulty school: ease × this (the hard tasks first)
SPIKE_SHARE = 0.8  # share of the «3» put exactly on its threshold in the score_spike school


def _header(work: Work) -> list[str]:
    return [
        "Логин ОО",
        "Класс",
        "Код участника",
        "Вариант",
        *(task for task, _ in work.tasks),
        "Первичный балл",
        "Отметка",
        "Отметка за предыдущую четверть/триместр",
    ]


def _journal(marks: list[int], journal: dict[str, int] | None) -> list[int | None] | None:
    """Journal marks giving the truth's lowered / confirmed / raised counts, or None."""
    if journal is None:
        return [None] * len(marks)
    order = sorted(range(len(marks)), key=lambda i: marks[i])
    out: list[int | None] = list(marks)
    lowered = [i for i in order if marks[i] <= 4][: journal["lowered"]]
    raised = [i for i in reversed(order) if marks[i] >= 3 and i not in lowered][: journal["raised"]]
    if len(lowered) < journal["lowered"] or len(raised) < journal["raised"]:
        return None
    for i in lowered:
        out[i] = marks[i] + 1  # ВПР mark below the journal: "понизили"
    for i in raised:
        out[i] = marks[i] - 1
    return out


def _score_curve(work: Work) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A smooth increasing map latent → primary score through the world's latent cut points of
    the marks (world.cutpoints) at the work's thresholds − 0.5: knots, values and tangents of a
    monotone cubic (Fritsch–Carlson). Smooth, so the scores' density has no step at a
    threshold; through the cut points, so a pupil's score gives the mark the truth drew."""
    probabilities = next(
        p for code, _, p in w.VPR_SUBJECTS[work.grade] if code == work.subject_code
    )
    cuts = list(w.cutpoints(probabilities))
    t3, t4, t5 = work.thresholds
    low_slope = (t4 - t3) / (cuts[1] - cuts[0])
    high_slope = (t5 - t4) / (cuts[2] - cuts[1])
    x = np.array(
        [cuts[0] - t3 / low_slope, *cuts, cuts[2] + (work.max_score + 1 - t5) / high_slope]
    )
    y = np.array([-0.5, t3 - 0.5, t4 - 0.5, t5 - 0.5, work.max_score + 0.5])
    secants = np.diff(y) / np.diff(x)
    tangents = np.concatenate([[secants[0]], (secants[:-1] + secants[1:]) / 2, [secants[-1]]])
    for k, secant in enumerate(secants):  # Fritsch–Carlson: keep the cubic monotone
        alpha, beta = tangents[k] / secant, tangents[k + 1] / secant
        if alpha * alpha + beta * beta > 9:
            tau = 3 / (alpha * alpha + beta * beta) ** 0.5
            tangents[k], tangents[k + 1] = tau * alpha * secant, tau * beta * secant
    return x, y, tangents


def _curve_at(curve: tuple[np.ndarray, np.ndarray, np.ndarray], latent: float) -> float:
    x, y, m = curve
    latent = min(max(latent, x[0]), x[-1])
    k = min(int(np.searchsorted(x, latent, side="right")) - 1, len(x) - 2)
    h = x[k + 1] - x[k]
    t = (latent - x[k]) / h
    return float(
        (2 * t**3 - 3 * t**2 + 1) * y[k]
        + (t**3 - 2 * t**2 + t) * h * m[k]
        + (-2 * t**3 + 3 * t**2) * y[k + 1]
        + (t**3 - t**2) * h * m[k + 1]
    )


def _scores(rng: np.random.Generator, work: Work, marks: list[int], ability: float) -> list[int]:
    """A primary score per pupil: the pupil's latent ability drawn as world.vpr_results draws it
    (N(school ability, 1)) but within the latent interval of the pupil's mark, mapped by the
    smooth curve and rounded (so it stays within the range of the mark)."""
    probabilities = next(
        p for code, _, p in w.VPR_SUBJECTS[work.grade] if code == work.subject_code
    )
    cuts = (-np.inf, *w.cutpoints(probabilities), np.inf)
    bounds = (0, *work.thresholds, work.max_score + 1)
    curve = _score_curve(work)
    out = []
    for mark in marks:
        low = _N01.cdf(cuts[mark - 2] - ability) if np.isfinite(cuts[mark - 2]) else 0.0
        high = _N01.cdf(cuts[mark - 1] - ability) if np.isfinite(cuts[mark - 1]) else 1.0
        u = min(max(low + (high - low) * rng.random(), 1e-12), 1 - 1e-12)
        score = round(_curve_at(curve, ability + _N01.inv_cdf(u)))
        out.append(int(min(max(score, bounds[mark - 2]), bounds[mark - 1] - 1)))
    return out


def _spike(rng: np.random.Generator, work: Work, marks: list[int], scores: list[int]) -> None:
    """score_spike: most «3» exactly on the threshold, no «2» one or two points below it."""
    threshold = work.thresholds[0]
    for i, mark in enumerate(marks):
        if mark == 3 and rng.random() < SPIKE_SHARE:
            scores[i] = threshold
        elif mark == 2 and scores[i] >= threshold - 2:
            scores[i] = int(rng.integers(max(0, threshold - 6), threshold - 2))


def _task_points(rng: np.random.Generator, work: Work, score: int, inverted: bool) -> list[int]:
    """Points per task adding up to the score: the work's points are drawn without replacement,
    each with weight exp(ease of its task) (Efraimidis–Spirakis keys), so easy tasks fill first
    — hard ones first in the inverted_difficulty school."""
    n_tasks = len(work.tasks)
    ease = np.linspace(TASK_EASE, -TASK_EASE, n_tasks) * (INVERTED_EASE if inverted else 1)
    slots = np.repeat(np.arange(n_tasks), [m for _, m in work.tasks])
    keys = np.log(rng.random(len(slots))) / np.exp(ease[slots])
    chosen = slots[np.argsort(-keys)[:score]]
    return [int(v) for v in np.bincount(chosen, minlength=n_tasks)]


def _plant(
    rng: np.random.Generator,
    truth: Truth,
    chosen: list[w.School],
    participants: dict[str, int],
    year: int,
) -> dict[str, str]:
    """school_code → planted case: one school per case, never a branch, never a school with a
    ВПР case of its own; a school with MIN_PLANTED_PARTICIPANTS or more in grade 5 first (the
    biggest ones otherwise), one without any planted case before one whose only cases are on
    the ГИА side (the tiny region has one school without a case), a СОШ first, then at random."""
    fit = [s for s in chosen if s.parent_code is None and set(s.planted) <= set(GIA_SIDE_CASES)]
    rng.shuffle(fit)
    fit.sort(
        key=lambda s: (
            participants[s.school_code] < MIN_PLANTED_PARTICIPANTS,
            bool(s.planted),
            s.school_type != "СОШ",
            0 if participants[s.school_code] >= MIN_PLANTED_PARTICIPANTS else -participants[s.school_code],
        )
    )  # fmt: skip
    planted: dict[str, str] = {}
    for case, school in zip(CASES, fit, strict=False):
        school.planted.append(case)
        planted[school.school_code] = case
        truth.plant(case, school.school_code, [year], CASE_DETAIL[case])
    return planted


def write_vpr_forms(
    landing: Path, truth: Truth, region: w.Region, year: int, rng: np.random.Generator
) -> None:
    records = {
        (r["school_code"], r["grade"], r["subject_code"]): r
        for r in truth.vpr
        if r["academic_year"] == year and r["status"] == "loaded"
    }
    chosen = [
        s for s in region.schools
        if s.takes_vpr and all((s.school_code, 5, work.subject_code) in records for work in WORKS)
    ]  # fmt: skip
    participants = {
        s.school_code: min(records[(s.school_code, 5, work.subject_code)]["participants"] for work in WORKS)
        for s in chosen
    }  # fmt: skip
    planted = _plant(rng, truth, chosen, participants, year)
    ordinary = [s for s in chosen if s.school_code not in planted]
    inconsistent_school = ordinary[-1].school_code if ordinary else None
    campaign_year = year + 1
    season = "осень" if campaign_year == 2022 else "весна"
    for index, school in enumerate(chosen):
        case = planted.get(school.school_code)
        ability = school.ability + (
            w.INFLATED_VPR_SHIFT if "inflated_vpr" in school.planted else 0.0
        )
        for work in WORKS:
            record = records[(school.school_code, 5, work.subject_code)]
            true_marks = {int(k): int(v) for k, v in record["marks"].items()}
            marks = [m for m in (2, 3, 4, 5) for _ in range(true_marks[m])]
            rng.shuffle(marks)
            journal = _journal(marks, record["journal"])
            if journal is None:
                continue
            scores = _scores(rng, work, marks, ability)
            if case == "score_spike":
                _spike(rng, work, marks, scores)
            inconsistent = (
                school.school_code == inconsistent_school
                and work.subject_code == "rus"
                and 3 in marks
            )
            rel = f"vpr_forms/{school.login}_ВПР_{campaign_year}_{work.subject_code}_5.xlsx"
            sheet = SheetWriter(truth, rel, "vpr_forms", year, "Форма")
            sheet.add(
                [
                    f"Форма сбора результатов ВПР {campaign_year} ({season}). "
                    f"{work.subject_name}. {work.grade} класс"
                ],
                "skipped",
            )
            sheet.add(_header(work), "skipped")
            written = list(marks)
            if inconsistent:
                written[written.index(3)] = 4
            for i, (mark, jm, score) in enumerate(zip(written, journal, scores, strict=True)):
                points = _task_points(rng, work, score, case == "inverted_difficulty")
                cells: list[Any] = [
                    school.login,
                    f"5{'АБ'[i % 2]}",
                    f"{10000 + index * 1000 + i:05d}",
                    str(1 + i % 2),
                    *points,
                    score,
                    mark,
                    jm if jm is not None else "",
                ]
                sheet.add(cells, "loaded")
            for k in range(2):
                sheet.add(
                    [school.login, "5А", f"{19990 - index * 10 - k:05d}", "отсутствовал",
                     *([""] * len(work.tasks)), "", "", 4],
                    "loaded",
                )  # fmt: skip
            write_xlsx(landing / rel, [sheet])
            truth.vpr_forms.append(
                {
                    "school_code": school.school_code,
                    "academic_year": year,
                    "grade": work.grade,
                    "subject_code": work.subject_code,
                    "participants": len(written),
                    "marks": {str(m): written.count(m) for m in (2, 3, 4, 5)},
                    "fisoko_marks": {str(m): true_marks[m] for m in (2, 3, 4, 5)},
                    "is_consistent": not inconsistent,
                    "planted": case,
                    # pupils' primary scores, for hand checks of the score distribution (M5)
                    "scores": sorted(scores),
                }
            )
