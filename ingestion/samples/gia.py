"""ГИА side files of the demo region: participation status and annual marks inside the РЦОИ
exports, ГВЭ-9/ГВЭ-11 exports, appeals, medalist lists and the federal lists of schools.

Everything here draws from its own random stream (``np.random.default_rng((seed, 5))``) so that
the files the other writers produce keep their bytes. Two cases are planted for the objectivity
markers (``school.planted``, ``truth.planted``):

- ``inflated_annual_marks`` (M6): in the years whose ОГЭ export carries the annual mark, the
  school's annual marks sit one or two marks above what its pupils get at the ОГЭ;
- ``medalists_low_ege`` (M7): the school's medalists include pupils with a 100-point ЕГЭ score
  below 70.

Clean schools: annual mark = ОГЭ mark ± 1 (≈ 68 % equal, 12 % one higher, 20 % one lower; never
below 3, so an ОГЭ «2» is always below the annual mark), medalists chosen among pupils whose
lowest 100-point score is ≥ 70, with a 10 % chance of one more medalist whose lowest score is
60–69. Planted: annual mark 1 (45 %) or 2 (50 %) above the ОГЭ mark.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingestion.samples import names as nm
from ingestion.samples import world as w

if TYPE_CHECKING:
    from ingestion.samples.writers import Truth

STREAM = 5
CASES = ("inflated_annual_marks", "medalists_low_ege")
CASE_DETAIL = {
    "inflated_annual_marks": "annual marks 1–2 above the ОГЭ mark for ~80% of pupils (years "
    "whose ОГЭ export carries the annual mark)",
    "medalists_low_ege": "most medalists have a 100-point ЕГЭ score below 70",
}
STATUS_TEXT = {"absent": "Неявка", "annulled": "Удалён", "not_admitted": "Не допущен"}
LOW_EGE = 70


def annual_mark_years(years: tuple[int, ...]) -> list[int]:
    """The ОГЭ exports of all but the first year carry the annual mark."""
    return list(years[1:])


class GiaExtras:
    def __init__(self, seed: int, region: w.Region, truth: Truth, years: tuple[int, ...]):
        self.rng = np.random.default_rng((seed, STREAM))
        self.region = region
        self.truth = truth
        self.years = years
        self.annual_years = annual_mark_years(years)
        self.medalists: list[dict[str, Any]] = []
        self.appeals: list[dict[str, Any]] = []
        self.federal_lists: list[dict[str, Any]] = []
        self.plan: Any = None  # the registry plan (samples/registry.py), set once it is drawn
        self._plant()

    def working_schools(self, year: int) -> list[tuple[w.School, str, str]]:
        """(school, Код ОО, short name) of the schools that work in the year, as that year's
        registry names them; the truth keeps the school's first code, like the РЦОИ exports."""
        out = []
        for s in self.region.schools:
            if self.plan is None:
                out.append((s, s.school_code, s.short_name))
            elif self.plan.active(s, year):
                out.append((s, self.plan.code(s, year), self.plan.short_name(s, year)))
        return out

    # ------------------------------------------------------------------ planting

    def _plant(self) -> None:
        parents = {s.parent_code for s in self.region.schools if s.parent_code}
        municipalities = list(dict.fromkeys(s.municipality for s in self.region.schools))
        for case in CASES:
            for municipality in municipalities:
                candidates = [
                    s
                    for s in self.region.schools
                    if s.municipality == municipality
                    and not s.planted
                    and s.school_type in ("СОШ", "Гимназия", "Лицей")
                    and s.school_code not in parents
                    and s.cohort >= 9
                ]
                if not candidates:
                    continue
                # ordinary schools first: a лицей's many «5» cannot sit below an annual mark
                ordinary = [s for s in candidates if s.school_type == "СОШ"] or candidates
                school = ordinary[int(self.rng.integers(len(ordinary)))]
                school.planted.append(case)
                years = self.annual_years if case == "inflated_annual_marks" else list(self.years)
                self.truth.plant(case, school.school_code, years, CASE_DETAIL[case])

    # ------------------------------------------------------------------ inside the exports

    def oge_header(self, year: int) -> list[str]:
        return ["Годовая отметка", "Статус участника"] if year in self.annual_years else []

    def oge_cells(self, school: w.School, mark: int, year: int) -> list[Any]:
        if year not in self.annual_years:
            return []
        if "inflated_annual_marks" in school.planted:
            delta = int(self.rng.choice([0, 1, 2], p=[0.05, 0.45, 0.5]))
        else:
            delta = int(self.rng.choice([-1, 0, 1], p=[0.2, 0.68, 0.12]))
        annual = min(5, max(3, mark + delta))
        return [annual, "Явился" if self.rng.random() < 0.7 else ""]

    def ege_header(self, year_index: int) -> list[str]:
        return ["Статус участника"] if year_index == len(self.years) - 1 else []

    def absent_pupils(
        self, schools: list[w.School], year: int, kind: str, taken: set[tuple[str, str, str]]
    ) -> list[tuple[w.School, dict[str, Any], str]]:
        """Two pupils registered for the sitting who did not sit (or were removed)."""
        out = []
        statuses = ["absent", self.rng.choice(["annulled", "not_admitted", "absent"])]
        for i, status in enumerate(statuses):
            school = schools[int(self.rng.integers(len(schools)))]
            pupil = self.new_pupil(f"{year}-{school.school_code}-{kind}-absent-{i}", taken)
            out.append((school, pupil, str(status)))
        return out

    def new_pupil(self, uid: str, taken: set[tuple[str, str, str]]) -> dict[str, Any]:
        while True:
            (surname, name, patronymic) = nm.person_names(self.rng, 1)[0]
            if (surname, name, patronymic) not in taken:
                taken.add((surname, name, patronymic))
                break
        return {
            "uid": uid,
            "surname": surname,
            "name": name,
            "patronymic": patronymic,
            "series": f"08{self.rng.integers(10, 24):02d}",
            "number": f"{self.rng.integers(100000, 999999)}",
        }

    def taken_names(self, year: int) -> set[tuple[str, str, str]]:
        return {
            (r["surname"], r["first_name"], r["patronymic"])
            for r in self.truth.exam_rows
            if r["academic_year"] == year
        }

    # ------------------------------------------------------------------ ГВЭ

    def write_gve(self, landing: Path, year: int, year_index: int) -> None:
        from ingestion.samples.writers import SheetWriter, write_csv, write_xlsx

        exam_year = year + 1
        taken = self.taken_names(year)
        for kind, grade, folder in (("gve9", 9, "gve9_rcoi"), ("gve11", 11, "gve11_rcoi")):
            schools = [
                (s, file_code)
                for s, file_code, _ in self.working_schools(year)
                if (s.takes_oge if grade == 9 else s.takes_ege)
            ]
            takers = [s for s in schools if self.rng.random() < 0.35] or schools[:1]
            for day, (code, name) in enumerate((("1", "Русский язык"), ("2", "Математика"))):
                oral = code == "1" and year_index % 2 == 1
                form = "устная" if oral else "письменная"
                date = f"{exam_year}.05.{27 + day:02d}"
                as_csv = kind == "gve11"
                label = "ГВЭ-9" if grade == 9 else "ГВЭ-11"
                rel = f"{folder}/{label}_{exam_year}_{int(code):02d}_{name.split()[0]}.{'csv' if as_csv else 'xlsx'}"
                sheet = SheetWriter(self.truth, rel, folder, year, None if as_csv else "Лист1")
                sheet.add([f"{int(code):02d} - {name} ({form} форма) {date}"], "skipped")
                header = ["№", "Код ОО", "Класс", "Фамилия", "Имя", "Отчество", "Документ"]
                header += ["Форма", "Оценка"]
                sheet.add(header, "skipped")
                for i, (s, file_code) in enumerate(takers, start=1):
                    p = self.new_pupil(f"{year}-{s.school_code}-{kind}-{code}", taken)
                    mark = int(self.rng.choice([2, 3, 4, 5], p=[0.05, 0.45, 0.35, 0.15]))
                    cells = [i, file_code, f"{grade}А", p["surname"], p["name"]]
                    cells += [p["patronymic"], f"{p['series']} {p['number']}"]
                    cells += ["" if i % 2 else form, mark]
                    row = sheet.add(cells, "loaded")
                    self._truth_row(year, kind, code, date, s, p, None, mark, None, rel, row)
                    self.truth.exam_rows[-1]["exam_form"] = "oral" if oral else "written"
                if as_csv:
                    write_csv(landing / rel, sheet)
                else:
                    write_xlsx(landing / rel, [sheet])

    def _truth_row(
        self,
        year: int,
        kind: str,
        code: str,
        date: str,
        school: w.School,
        pupil: dict[str, Any],
        test_score: int | None,
        mark: int | None,
        primary: int | None,
        rel: str,
        row: int,
        participation: str = "ok",
    ) -> None:
        self.truth.exam_rows.append(
            {
                "academic_year": year,
                "exam_kind": kind,
                "subject_fct_code": code,
                "exam_date": date.replace(".", "-"),
                "school_code": school.school_code,
                "pupil_uid": pupil["uid"],
                "surname": pupil["surname"],
                "first_name": pupil["name"],
                "patronymic": pupil["patronymic"],
                "document_series": pupil["series"],
                "document_number": pupil["number"],
                "test_score": test_score,
                "mark": mark,
                "primary_score": primary,
                "file": rel,
                "row": row,
                "status": "loaded",
                "participation": participation,
            }
        )

    # ------------------------------------------------------------------ appeals

    def write_appeals(self, landing: Path, year: int, year_index: int) -> None:
        """A РЦОИ appeals file for the ЕГЭ of the year (all but the first): a few loaded
        100-point results change (the truth keeps the score after the appeal and the one
        before), one is rejected, and one appeal names a pupil without a result."""
        from ingestion.samples.writers import SheetWriter, write_xlsx

        if year_index == 0:
            return
        exam_year = year + 1
        rows = [
            r
            for r in self.truth.exam_rows
            if r["academic_year"] == year
            and r["exam_kind"] == "ege"
            and r["status"] == "loaded"
            and r.get("participation", "ok") == "ok"
            and r["test_score"] is not None
            and 20 < r["test_score"] < 95
        ]
        picks = self.rng.choice(len(rows), size=min(6, len(rows)), replace=False)
        rel = f"gia_appeals/Апелляции_ЕГЭ_{exam_year}.xlsx"
        sheet = SheetWriter(self.truth, rel, "gia_appeals", year, "Апелляции")
        sheet.add([f"Апелляции о несогласии с выставленными баллами. ЕГЭ {exam_year}"], "skipped")
        upper = ["№", "Код ОО", "Класс", "Код ППЭ", "Аудитория", "Фамилия", "Имя", "Отчество"]
        upper += ["Документ", "Предмет", "Дата экзамена", "Тип апелляции / перепроверки"]
        upper += ["Состояние", "Балл до изменения", "", "Текущие", "", "Разница", ""]
        sheet.add(upper, "skipped")
        sheet.add([""] * 13 + ["Первичный балл", "Балл"] * 3, "skipped")
        subjects = {code: name for code, _, name, _, _ in w.EGE_SUBJECTS}
        for n, index in enumerate(picks.tolist(), start=1):
            r = rows[index]
            before = int(r["test_score"])
            change = [3, 2, -2, 0, 4, 1][(n - 1) % 6]
            after = before + change
            decision = (
                "Апелляция удовлетворена с повышением"
                if change > 0
                else "Апелляция удовлетворена с понижением"
                if change < 0
                else "Апелляция отклонена"
            )
            p_before = round(before * 0.6)
            p_after = p_before + (0 if change == 0 else (1 if change > 0 else -1))
            cells = [n, r["school_code"], "11А", "1101", "0001", r["surname"], r["first_name"]]
            cells += [r["patronymic"], f"{r['document_series']} {r['document_number']}"]
            cells += [f"{int(r['subject_fct_code']):02d} - {subjects[r['subject_fct_code']]}"]
            cells += [r["exam_date"].replace("-", "."), "Апелляция на результат", decision]
            cells += [p_before, before, p_after, after, p_after - p_before, change]
            sheet.add(cells, "loaded")
            r["score_before_appeal"] = before
            r["test_score"] = after
            r["appeal_change"] = change
            self.appeals.append(
                {
                    "academic_year": year,
                    "school_code": r["school_code"],
                    "pupil_uid": r["pupil_uid"],
                    "subject_fct_code": r["subject_fct_code"],
                    "before": before,
                    "after": after,
                }
            )
        # a pupil the exports do not know: the warehouse quarantines the appeal
        ghost = self.new_pupil(f"{year}-ghost-appeal", self.taken_names(year))
        school = rows[0]["school_code"]
        cells = [len(picks) + 1, school, "11Б", "1101", "0002", ghost["surname"], ghost["name"]]
        cells += [ghost["patronymic"], f"{ghost['series']} {ghost['number']}", "01 - Русский язык"]
        cells += [f"{exam_year}.06.01", "Апелляция на результат", "Апелляция отклонена"]
        cells += [30, 50, 30, 50, 0, 0]
        row = sheet.add(cells, "loaded")
        sheet.file.unknown_school_rows += 1  # loaded by the reader, refused by the warehouse
        sheet.defect(row, "Предмет", "appeal_without_result", "warehouse_quarantine", "01")
        self._remember_names(ghost)
        write_xlsx(landing / rel, [sheet])

    def _remember_names(self, pupil: dict[str, Any]) -> None:
        """Names written only into side files still belong in the personal-data search."""
        self.truth.exam_rows.append(
            {
                "academic_year": None,
                "exam_kind": "none",
                "subject_fct_code": None,
                "exam_date": None,
                "school_code": None,
                "pupil_uid": pupil["uid"],
                "surname": pupil["surname"],
                "first_name": pupil["name"],
                "patronymic": pupil["patronymic"],
                "document_series": pupil["series"],
                "document_number": pupil["number"],
                "test_score": None,
                "mark": None,
                "primary_score": None,
                "file": None,
                "row": None,
                "status": "not_a_result",
                "participation": None,
            }
        )

    # ------------------------------------------------------------------ medalists

    def write_medalists(self, landing: Path, year: int, year_index: int) -> None:
        from ingestion.samples.writers import SheetWriter, write_xlsx

        exam_year = year + 1
        pupils: dict[str, dict[str, Any]] = {}
        scores: dict[str, list[int]] = defaultdict(list)
        base: dict[str, int] = {}
        for r in self.truth.exam_rows:
            if (
                r["academic_year"] != year
                or r["exam_kind"] != "ege"
                or r["status"] != "loaded"
                or r.get("participation", "ok") != "ok"
            ):
                continue
            pupils[r["pupil_uid"]] = r
            if r["test_score"] is not None:
                scores[r["pupil_uid"]].append(int(r["test_score"]))
            elif r["mark"] is not None:
                base[r["pupil_uid"]] = int(r["mark"])
        by_school: dict[str, list[str]] = defaultdict(list)
        for uid, r in pupils.items():
            if scores.get(uid):
                by_school[r["school_code"]].append(uid)
        rel = f"medalists/Медалисты_{exam_year}.xlsx"
        sheet = SheetWriter(self.truth, rel, "medalists", year, "Медалисты")
        sheet.add(
            [
                "Список выпускников 11 классов, награждённых медалью «За особые успехи в учении», "
                f"{exam_year} год"
            ],
            "skipped",
        )
        sheet.add([], "skipped")
        sheet.add(
            ["№", "Код ОО", "Наименование ОО", "ФИО", "Документ", "Степень медали"], "skipped"
        )
        n = 0
        for school, file_code, short_name in self.working_schools(year):
            uids = sorted(by_school.get(school.school_code, []))
            if not uids:
                continue
            k = max(1, round(0.1 * len(uids)))
            low = [u for u in uids if min(scores[u]) < LOW_EGE]
            high = [u for u in uids if min(scores[u]) >= LOW_EGE]
            if "medalists_low_ege" in school.planted:
                order = self.rng.permutation(len(low))
                chosen = [low[i] for i in order[: max(3, k)]] + high[:1]
            else:
                order = self.rng.permutation(len(high))
                chosen = [high[i] for i in order[:k]]
                near = [u for u in low if min(scores[u]) >= 60]
                if chosen and near and self.rng.random() < 0.1:
                    chosen.append(near[int(self.rng.integers(len(near)))])
            for uid in chosen:
                r = pupils[uid]
                low_score = min(scores[uid]) < LOW_EGE
                degree = 2 if low_score or self.rng.random() < 0.3 else 1
                degree_text = ["I степени", "II степени"][degree - 1]
                if self.rng.random() < 0.3:
                    degree_text = ["I", "II"][degree - 1]
                n += 1
                full = f"{r['surname']} {r['first_name']} {r['patronymic']}"
                doc = f"{r['document_series']} {r['document_number']}"
                sheet.add([n, file_code, short_name, full, doc, degree_text], "loaded")
                self.medalists.append(
                    {
                        "academic_year": year,
                        "school_code": school.school_code,
                        "pupil_uid": uid,
                        "medal_degree": degree,
                        "ege_subjects_taken": len(scores[uid]),
                        "min_test_score": min(scores[uid]),
                        "has_score_below_70": low_score,
                    }
                )
        if year_index == 0:  # a school the registry does not know
            ghost = self.new_pupil(f"{year}-ghost-medalist", self.taken_names(year))
            row = sheet.add(
                [
                    n + 1,
                    "109999",
                    "МБОУ СОШ № 99",
                    f"{ghost['surname']} {ghost['name']} {ghost['patronymic']}",
                    f"{ghost['series']} {ghost['number']}",
                    "I степени",
                ],
                "loaded",
            )
            sheet.file.unknown_school_rows += 1
            sheet.defect(row, "Код ОО", "unknown_school", "warehouse_quarantine", "109999")
            self._remember_names(ghost)
        sheet.add([f"Итого: {n}"], "skipped")
        write_xlsx(landing / rel, [sheet])

    # ------------------------------------------------------------------ federal lists

    def write_federal_lists(self, landing: Path, year: int, year_index: int) -> None:
        """The last two years: the ВПР-inflating school on the non-objective list (by login),
        the low-results school on the ШНОР list (by its short name)."""
        from ingestion.samples.writers import SheetWriter, write_xlsx

        if year_index < len(self.years) - 2:
            return
        list_year = year + 1
        rel = f"federal_lists/Перечни_ОО_{list_year}.xlsx"
        sheet = SheetWriter(self.truth, rel, "federal_lists", year, "Перечень")
        sheet.add(
            [f"Перечни ОО (необъективные результаты ВПР, ШНОР) за {list_year} год"], "skipped"
        )
        sheet.add(["№", "Логин ОО", "Наименование ОО", "Тип списка", "Год"], "skipped")
        n = 0
        for s, _, short_name in self.working_schools(year):
            entries = []
            if "inflated_vpr" in s.planted and year_index == len(self.years) - 1:
                entries.append(("nonobjective_vpr", s.login, short_name))
            if "low_results" in s.planted:
                entries.append(("shnor", "", short_name))
            for code, login, name in entries:
                n += 1
                text = (
                    "ОО с признаками необъективных результатов ВПР"
                    if code == "nonobjective_vpr"
                    else "ШНОР"
                )
                sheet.add([n, login, name, text, list_year], "loaded")
                self.federal_lists.append(
                    {"academic_year": year, "list_code": code, "school_code": s.school_code}
                )
        write_xlsx(landing / rel, [sheet])


# ---------------------------------------------------------------------- templates

TEMPLATES: dict[str, tuple[str, list[str], list[Any]]] = {
    "medalists": (
        "Список выпускников 11 классов, награждённых медалью «За особые успехи в учении», "
        "{year} год",
        ["№", "Код ОО", "Наименование ОО", "ФИО", "Документ", "Степень медали"],
        [1, "101001", "МБОУ СОШ № 1", "Фамилия Имя Отчество", "0000 000000", "I степени"],
    ),
    "gia_appeals": (
        "Апелляции о несогласии с выставленными баллами. ЕГЭ {year}",
        [
            "№",
            "Код ОО",
            "Класс",
            "Фамилия",
            "Имя",
            "Отчество",
            "Документ",
            "Предмет",
            "Дата экзамена",
            "Тип апелляции / перепроверки",
            "Состояние",
            "Балл до апелляции",
            "Балл после апелляции",
        ],
        [
            1,
            "101001",
            "11А",
            "Образцов",
            "Пример",
            "Шаблонович",
            "0000 000000",
            "01 - Русский язык",
            "{year}.06.01",
            "Апелляция на результат",
            "Апелляция удовлетворена с повышением",
            60,
            63,
        ],
    ),
    "federal_lists": (
        "Перечни ОО (необъективные результаты ВПР, ШНОР) за {year} год",
        ["№", "Логин ОО", "Наименование ОО", "Тип списка", "Год"],
        [1, "sch270101", "МБОУ СОШ № 1", "ОО с признаками необъективных результатов ВПР", "{year}"],
    ),
}


def write_template(kind: str, out: Path, year: int) -> Path:
    """An xlsx with the title, the header and one example row to overwrite."""
    import xlsxwriter

    title, header, example = TEMPLATES[kind]
    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet("Лист1")
    sheet.write_string(0, 0, title.format(year=year))
    for c, text in enumerate(header):
        sheet.write_string(1, c, text)
    for c, value in enumerate(example):
        if isinstance(value, int):
            sheet.write_number(2, c, value)
        else:
            sheet.write_string(2, c, str(value).format(year=year))
    book.close()
    return out


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Write a fill-in template of a ГИА side file.")
    parser.add_argument("--kind", choices=sorted(TEMPLATES), required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--year", type=int, required=True, help="calendar year of the exams")
    args = parser.parse_args(argv)
    print(write_template(args.kind, args.out, args.year))


if __name__ == "__main__":
    main()
