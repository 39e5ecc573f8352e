"""Plan/fact forms of programme indicators: reading, statuses, the form's summary, the gate.

Reader tests build small forms; the seed-000 table is transcribed verbatim (its numbers, its
"Нет данных", its summary). End-to-end tests compare the warehouse with the generator's ground
truth and change a copy of the session's pipeline to show the completeness gate and a
provisional year.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingestion.samples.indicators import SEED_000, catalogue, write_template
from tests.builders import assert_accounting, column, file_row, read_one, write_xlsx
from tests.conftest import PipelineRun


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------------------- reader


def seed_000_rows() -> list[list]:
    return [
        ["Анализ"],
        ["эффективности реализации муниципального проекта по повышению качества образования"],
        ["в общеобразовательных учреждениях Амурского муниципального района (далее-Проект)"],
        ["за 1 полугодие 2023 года"],
        ["№", "Показатели", "План\n2023", "Факт\n2023"],
        *[[n, name, plan, fact] for n, name, plan, fact in SEED_000],
        [],
        ["Из 16 показателей Проекта достигли плановый показатель 12, что составляет 75%."],
    ]


def test_seed_000_table_is_read_as_printed(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "seed000.xlsx", {"Лист1": seed_000_rows()})
    result = read_one("indicators", path, "indicators/seed000.xlsx", tmp_path)
    assert_accounting(result)
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (15, 0)
    rows = {r["indicator_number"]: r for r in result.rows.to_pylist()}
    assert "12" not in rows, "№12 is absent in the seed and must not be invented"
    assert (rows["3"]["plan"], rows["3"]["fact"]) == (1.8, 0.7)
    assert rows["13"]["fact"] == 89.4
    assert rows["14"]["fact"] is None and rows["14"]["fact_missing"] == "no_data"
    first = rows["1"]
    assert first["academic_year"] == 2022  # the first half of 2023 belongs to 2022/23
    assert (first["period_type"], first["period_start"], first["period_end"]) == (
        "half_year",
        dt.date(2023, 1, 1),
        dt.date(2023, 6, 30),
    )
    assert first["territory_name"] == "Амурского муниципального района"
    assert (first["reported_total"], first["reported_achieved"], first["reported_pct"]) == (
        16,
        12,
        75.0,
    )


def test_targets_statements_dashes_sections_and_ocr_damage(tmp_path: Path) -> None:
    rows = [
        ["ПОКАЗАТЕЛИ мотивирующего мониторинга управления образования"],
        ["города Свободного за 2023 год"],
        ["№ показателя", "Наименование показателя", "Ед. измерения", "План", "Факт", "Примечание"],
        ["1.", "Создание условий для достижения результатов"],  # a section row
        ["П8.", "Доля педагогов до 35 лет", "%", "не менее 30", "31,5"],
        ["П29.", "Медалисты с ЕГЭ менее 70 баллов", "%", "не более 5%", "-"],
        ["П40.", "Количество региональных проектов", "балл", "3", "ЗД7"],
        ["", "Показатель без номера", "%", "10", "12"],
        ["П9.", "Нормативная база", "да/нет", "Создан пакет документов", "Данный показатель выполнен",
         "Приказ № 12 на сайте"],
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "mm.xlsx", {"П": rows})
    result = read_one("indicators", path, "indicators/mm.xlsx", tmp_path)
    assert_accounting(result)
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (3, 2)
    assert "section" in summary["skipped_reasons"]
    loaded = {r["indicator_number"]: r for r in result.rows.to_pylist()}
    assert (loaded["П8."]["plan"], loaded["П8."]["plan_comparator"]) == (30.0, ">=")
    assert (loaded["П29."]["plan"], loaded["П29."]["plan_comparator"]) == (5.0, "<=")
    assert loaded["П29."]["fact"] is None and loaded["П29."]["fact_missing"] == "no_data"
    statement = loaded["П9."]
    assert statement["fact_text"] == "Данный показатель выполнен"
    assert statement["plan_text"] == "Создан пакет документов" and statement["note"]
    assert statement["academic_year"] == 2022 and statement["period_type"] == "calendar_year"
    bad = {
        (q["source_row"], q["source_column"], q["cell_value"])
        for q in result.quarantine.to_pylist()
    }
    assert (7, "Факт (E)", "ЗД7") in bad
    assert any(r == 8 and c.startswith("№ показателя") for r, c, _ in bad)
    assert column(result.quarantine, "reason")[0]


SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
PROGRAMMES = SEEDS / "indicator_programmes.csv"


def _fill_template(path: Path, territory: str) -> None:
    """What a user does with the template: the municipality in place of the placeholder, a plan
    and a fact in every indicator's row."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    for row in range(1, 6):
        value = sheet.cell(row, 1).value
        if isinstance(value, str) and "<Название> муниципального района" in value:
            sheet.cell(row, 1, value.replace("<Название> муниципального района", territory))
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "№")
    for row in range(header + 1, sheet.max_row + 1):
        unit = sheet.cell(row, 3).value
        if not sheet.cell(row, 1).value:
            continue
        if unit == "да/нет":
            sheet.cell(row, 4, "Создан")
            sheet.cell(row, 5, "Данный показатель выполнен")
        else:
            sheet.cell(row, 4, 10)
            sheet.cell(row, 5, 12)
    book.save(path)


RULES = SEEDS / "qualitative_fact_rules.csv"


def _outcome(con: duckdb.DuckDBPyConnection, fact: str) -> str | None:
    """The seed's first matching rule, as fct_indicator_value applies it (DuckDB regexp_matches
    on the lower-cased fact with ё → е, in rule_order)."""
    with open(RULES, encoding="utf-8") as handle:
        rules = sorted(csv.DictReader(handle), key=lambda r: int(r["rule_order"]))
    text = fact.lower().replace("ё", "е")
    for rule in rules:
        if con.execute("select regexp_matches(?, ?)", [text, rule["pattern"]]).fetchone() == (
            True,
        ):
            return rule["outcome"]
    return None


@pytest.mark.parametrize(
    ("fact", "outcome"),
    [
        # seed 002's own wording
        ("Данный показатель выполнен.", "done"),
        ("Муниципальная программа реализована.", "done"),
        ("Реализован механизм повышения квалификации педагогических кадров", "done"),
        ("в муниципалитете были организованы эффективные меры поддержки", "done"),
        ("Количество школ составило 52%, что также соответствует поставленному показателю", "done"),
        ("Координационный совет функционирует", "done"),
        ("Ожидаемые результаты и показатели реализации муниципальной программы достигнуты", "done"),
        # partial wording before the word «выполнен» it contains
        ("Показатель выполнен не в полном объеме", "partly_done"),
        ("Частично выполнен", "partly_done"),
        ("Программа не реализована в полном объёме", "partly_done"),
        # negations
        ("Не выполнен", "not_done"),
        ("Показатель не был выполнен", "not_done"),
        ("Не соответствует поставленному показателю", "not_done"),
        ("Невыполнен", "not_done"),
        ("Нет", "not_done"),
        ("Нет данных о выполнении", "cannot_tell"),
        # wording no rule covers: flagged for review, never achieved nor not
        ("Выполнение запланировано на 2024 год", None),
        ("Создание страницы в процессе", None),
    ],
)
def test_qualitative_facts_are_read_by_explicit_rules_negation_and_partial_first(
    fact: str, outcome: str | None
) -> None:
    """fc70773 read «Муниципальная программа реализована» as no data and «Показатель выполнен
    не в полном объеме» as achieved (it matched «выполнен»)."""
    assert _outcome(duckdb.connect(), fact) == outcome


@pytest.mark.parametrize("programme", sorted(catalogue()))
def test_a_filled_template_is_placed_under_its_own_programme_with_the_written_names(
    tmp_path: Path, programme: str
) -> None:
    """fc70773's template wrote the municipal project's title for every programme, so a filled
    motivating-monitoring or ШНОР-programme form landed under mp_quality, its names replaced."""
    path = write_template(tmp_path / f"Шаблон_{programme}.xlsx", programme, 2023)
    _fill_template(path, "Енисейского муниципального района")
    result = read_one("indicators", path, f"indicators/Шаблон_{programme}.xlsx", tmp_path)
    assert_accounting(result)
    rows = result.rows.to_pylist()
    expected = {item["indicator_code"]: item["indicator_name"] for item in catalogue()[programme]}
    # the warehouse places a form by the indicator_programmes seed's title_pattern, matched
    # with DuckDB's regexp_matches on the lower-cased title (int_indicator_values_resolved)
    with open(PROGRAMMES, encoding="utf-8") as handle:
        patterns = [(r["programme_code"], r["title_pattern"]) for r in csv.DictReader(handle)]
    con = duckdb.connect()
    (title,) = {r["programme_title"] for r in rows}
    placed = [
        code
        for code, pattern in patterns
        if con.execute("select regexp_matches(lower(?), ?)", [title, pattern]).fetchone() == (True,)
    ]
    assert placed == [programme]
    # every row of the template is an indicator's (fc70773's placeholder summary line «Из N
    # показателей …» was read as a row without a number and quarantined)
    assert not result.quarantine.num_rows
    assert len(rows) == len(expected)
    # its rows under that programme: the catalogue's numbers with the names as written
    written = {
        r["indicator_number"].replace(".", "").replace(" ", "").upper(): r["indicator_name"]
        for r in rows
    }
    assert written == expected
    assert {r["territory_name"] for r in rows} == {"Енисейского муниципального района"}


def test_a_form_without_a_period_is_refused_with_the_reason(tmp_path: Path) -> None:
    rows = [
        ["Показатели муниципального проекта Амурского муниципального района"],
        ["№", "Показатели", "План", "Факт"],
        [1, "Доля ОУ", "100", "100"],
    ]
    path = write_xlsx(tmp_path / "noperiod.xlsx", {"Лист1": rows})
    result = read_one("indicators", path, "indicators/noperiod.xlsx", tmp_path)
    summary = file_row(result)
    assert summary["status"] == "unreadable"
    assert "period" in summary["status_reason"]


# ------------------------------------------------------------------------------- warehouse


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_every_indicator_status_matches_the_ground_truth(pipeline: PipelineRun) -> None:
    truth = pipeline.truth["indicators"]
    assert {r["status"] for r in truth} >= {"achieved", "not_achieved", "no_data"}
    got = {
        (f, s, r): (status, state)
        for f, s, r, status, state in query(
            pipeline.reporting,
            "select source_file, source_sheet, source_row, status, fact_state "
            "from marts.fct_indicator_value where value_source = 'reported'",
        )
    }
    assert len(got) == len(truth)
    for t in truth:
        status, state = got[(t["path"], t["sheet"], t["row"])]
        assert status == t["status"], t
        assert state == t["fact_state"], t


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_seed_000_summary_is_recomputed_and_flagged(pipeline: PipelineRun) -> None:
    rows = query(
        pipeline.reporting,
        "select indicators_in_form, indicators_achieved, indicators_not_achieved, "
        "indicators_no_data, pct_achieved_strict, pct_achieved_evaluable, "
        "reported_indicators_total, reported_indicators_achieved, summary_differs "
        "from marts.mart_indicator_achievement "
        "where period_type = 'half_year' and programme_code = 'mp_quality'",
    )
    # by hand: 15 rows; ↑ 1, 3, 13 and ↓ 2 missed; №14 "Нет данных"; 10 achieved
    assert rows == [(15, 10, 4, 1, 66.7, 71.4, 16, 12, True)]
    flagged = {
        Path(f).name
        for (f,) in query(
            pipeline.reporting,
            "select distinct v.source_file from marts.mart_indicator_achievement a "
            "join marts.fct_indicator_value v on v.entity_id = a.entity_id "
            "and v.programme_code = a.programme_code and v.period_start = a.period_start "
            "and v.period_type = a.period_type where a.summary_differs",
        )
    }
    expected = {
        Path(s["path"]).name
        for s in pipeline.truth["indicator_summaries"]
        if s["achieved_reported"] != s["achieved"] or s.get("in_form", s["total"]) != s["total"]
    }
    assert flagged == expected


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_every_expected_indicator_arrived_and_catalogue_is_published(
    pipeline: PipelineRun,
) -> None:
    statuses = query(
        pipeline.reporting,
        "select completeness_status, count(*) from audit.indicator_completeness group by all",
    )
    # 2 municipalities × 3 years × (44 motivating-monitoring + 15 project indicators)
    assert statuses == [("arrived", 2 * 3 * (44 + 15))]
    codes = query(
        pipeline.reporting,
        "select count(*), count(*) filter (where direction = 'down') from marts.dim_indicator "
        "where programme_code = 'motivating_monitoring'",
    )
    assert codes == [(44, 6)]


def blank_fact(path: Path, indicator: str) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for row in sheet.iter_rows():
        if str(row[0].value).rstrip(".") == indicator:
            row[4].value = None
            book.save(path)
            return
    raise AssertionError(f"indicator {indicator} not in {path}")


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_missing_indicator_facts_stop_the_publish_unless_the_year_is_not_yet_due(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    landing = run.root / "landing" / "indicators"
    last_project = sorted(landing.glob("Проект_качество_Амурский_*.xlsx"))[-1]
    blank_fact(last_project, "5")  # an empty fact cell: neither a value nor "Нет данных"
    last_monitoring = sorted(landing.glob("Мотивирующий_мониторинг_Хасанский_20*.xlsx"))[-1]
    last_monitoring.unlink()  # a whole form missing
    before = sha256(run.reporting)

    blocked = run.cli("refresh", check=False)
    assert blocked.returncode != 0
    assert sha256(run.reporting) == before
    report = (run.data_dir / "reports" / "quality_report.md").read_text()
    assert "НЕ опубликовано" in report
    assert "Амурский муниципальный район" in report and "the fact cell is empty" in report
    assert "Хасанский муниципальный округ" in report and "no annual form" in report
    missing = query(
        run.warehouse,
        "select academic_year, programme_code, count(*) from audit.indicator_completeness "
        "where completeness_status = 'missing' group by all order by all",
    )
    assert missing == [(2023, "motivating_monitoring", 44), (2023, "mp_quality", 1)]

    # The same data judged on a day before the 2023/24 forms were due: published, provisional.
    run.env["MSOKO_AS_OF_DATE"] = "2024-12-01"
    published = run.cli("refresh")
    assert "PROVISIONAL academic years: 2023" in published.stdout
    assert sha256(run.reporting) != before
    publication = query(
        run.reporting,
        "select is_provisional, provisional_years from publication order by version desc limit 1",
    )
    assert publication == [(True, "2023")]
    assert query(
        run.reporting,
        "select count(*) from audit.indicator_completeness where completeness_status = 'not_due'",
    ) == [(45,)]
