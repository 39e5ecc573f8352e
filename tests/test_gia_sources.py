"""Readers of the ГИА side sources: participation status and annual marks in the РЦОИ exports,
ГВЭ-9/ГВЭ-11, appeals, medalists and the federal lists of schools (small real-shaped files)."""

from __future__ import annotations

from pathlib import Path

from ingestion.privacy import person_key
from tests.builders import (
    SECRET,
    all_strings,
    assert_accounting,
    column,
    file_row,
    read_one,
    write_csv,
    write_xlsx,
)

OGE_HEADER = [
    "№",
    "Код МСУ",
    "Код ОО",
    "Класс",
    "Фамилия",
    "Имя",
    "Отчество",
    "Документ",
    "Первичный балл",
    "Оценка",
    "Годовая отметка",
    "Статус участника",
]


def test_oge_status_and_annual_mark(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "oge.xlsx",
        {
            "Лист1": [
                ["02 - Математика 2023.05.29"],
                OGE_HEADER,
                [1, 101, 101001, "9А", "Иванов", "Пётр", "Ильич", "0812 1", 20, 4, 5, "Явился"],
                [
                    2,
                    101,
                    101001,
                    "9А",
                    "Петров",
                    "Иван",
                    "Ильич",
                    "0812 2",
                    None,
                    None,
                    4,
                    "Неявка",
                ],
                [
                    3,
                    101,
                    101001,
                    "9Б",
                    "Сидоров",
                    "Олег",
                    "Ильич",
                    "0812 3",
                    None,
                    None,
                    3,
                    "удалён",
                ],
                [
                    4,
                    101,
                    101001,
                    "9Б",
                    "Орлов",
                    "Олег",
                    "Ильич",
                    "0812 4",
                    None,
                    None,
                    4,
                    "не допущен",
                ],
                [5, 101, 101001, "9Б", "Лисин", "Олег", "Ильич", "0812 5", 9, 3, 3, None],
                [6, 101, 101001, "9Б", "Котов", "Олег", "Ильич", "0812 6", 9, 3, 7, "явился"],
                [7, 101, 101001, "9Б", "Мышкин", "Олег", "Ильич", "0812 7", 9, 3, 3, "заболел"],
            ]
        },
    )
    result = read_one("oge_rcoi", path, "oge_rcoi/oge.xlsx", tmp_path)
    assert_accounting(result)
    rows = result.rows
    assert column(rows, "process_status") == ["ok", "absent", "annulled", "not_admitted", "ok"]
    assert column(rows, "annual_mark") == [5, 4, 3, 4, 3]
    assert column(rows, "participation_status")[:2] == ["Явился", "Неявка"]
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (5, 2)
    reasons = {q["field_name"]: q["reason"] for q in result.quarantine.to_pylist()}
    assert "above the maximum" in reasons["annual_mark"]
    assert "unknown participation status" in reasons["participation_status"]
    assert not {"Иванов", "Петров", "0812 1"} & all_strings(rows)


def test_seed001_gia9_counts_read_from_a_gve9_export(tmp_path: Path) -> None:
    """ГВЭ-9 in its own folder and code: mark 2–5, oral form from the title, written from the
    column; ОГЭ/ГВЭ counts of seed 001 are per form, so the form is kept per row."""
    path = write_csv(
        tmp_path / "gve9.csv",
        [
            ["01 - Русский язык (устная форма) 2022.05.24"],
            ["№", "Код ОО", "Класс", "ФИО", "Документ", "Первичный балл", "Оценка", "Форма"],
            [1, "101001", "9А", "Кузнецова Анна Петровна", "0812 555", 12, 4, None],
            [2, "101001", "9А", "Белов Иван Петрович", "0812 556", 6, 3, "письменная"],
        ],
    )
    result = read_one("gve9_rcoi", path, "gve9_rcoi/ГВЭ9.csv", tmp_path)
    assert_accounting(result)
    assert column(result.rows, "exam_kind") == ["gve9", "gve9"]
    assert column(result.rows, "exam_form") == ["oral", "written"]
    assert column(result.rows, "mark") == [4, 3]
    assert column(result.rows, "academic_year") == [2021, 2021]


APPEAL_UPPER = [
    "№",
    "Код ОО",
    "Класс",
    "Код ППЭ",
    "Аудитория",
    "Фамилия",
    "Имя",
    "Отчество",
    "Документ",
    "Предмет",
    "Дата экзамена",
    "Тип апелляции / перепроверки",
    "Состояние",
    "Балл до изменения",
    "",
    "Текущие",
    "",
    "Разница",
    "",
]
APPEAL_LOWER = [""] * 13 + ["Первичный балл", "Балл"] * 3


def test_appeals_two_row_header_decisions_and_keys(tmp_path: Path) -> None:
    rows = [
        ["Апелляции о несогласии с выставленными баллами. ЕГЭ 2023"],
        APPEAL_UPPER,
        APPEAL_LOWER,
        [
            1,
            "101001",
            "11А",
            "1101",
            "0001",
            "Иванов",
            "Пётр",
            "Ильич",
            "0812 1",
            "01 - Русский язык",
            "2023.05.29",
            "Апелляция на результат",
            "Апелляция удовлетворена с повышением",
            20,
            45,
            22,
            48,
            2,
            3,
        ],
        [
            2,
            "101001",
            "11А",
            "1101",
            "0001",
            "Петров",
            "Иван",
            "Ильич",
            "0812 2",
            "2",
            "02.06.2023",
            "Апелляция на результат",
            "Апелляция отклонена",
            10,
            50,
            10,
            50,
            0,
            0,
        ],
        [
            3,
            "101001",
            "11А",
            "1101",
            "0001",
            "Сидоров",
            "Олег",
            "Ильич",
            "0812 3",
            "03 - Физика",
            "2023.06.05",
            "Апелляция на результат",
            "Апелляция удовлетворена",
            30,
            60,
            28,
            57,
            -2,
            -3,
        ],
        [
            4,
            "101001",
            "11А",
            "1101",
            "0001",
            "Орлов",
            "Олег",
            "Ильич",
            "0812 4",
            "Физика",
            "2023.06.05",
            "Апелляция на результат",
            "Апелляция удовлетворена",
            30,
            60,
            28,
            57,
            -2,
            -3,
        ],
        [
            5,
            "101001",
            "11А",
            "1101",
            "0001",
            "Котов",
            "Олег",
            "Ильич",
            "0812 5",
            "03 - Физика",
            "2023.06.05",
            "Апелляция на результат",
            "Апелляция удовлетворена",
            30,
            60,
            28,
            57,
            -2,
            -1,
        ],
    ]
    path = write_xlsx(tmp_path / "appeals.xlsx", {"Апелляции": rows})
    result = read_one("gia_appeals", path, "gia_appeals/a.xlsx", tmp_path)
    assert_accounting(result)
    got = result.rows.to_pylist()
    assert [r["decision"] for r in got] == ["upheld_raised", "rejected", "upheld_lowered"]
    assert [r["subject_fct_code"] for r in got] == ["1", "2", "3"]
    assert [r["score_before"] for r in got] == [45, 50, 60]
    assert [r["score_after"] for r in got] == [48, 50, 57]
    assert [str(r["exam_date"]) for r in got] == ["2023-05-29", "2023-06-02", "2023-06-05"]
    assert {r["academic_year"] for r in got} == {2022}
    assert {r["exam_kind"] for r in got} == {"ege"}
    assert got[0]["person_key"] == person_key(SECRET, 2022, "27", "Иванов Пётр Ильич")
    fields = sorted(q["field_name"] for q in result.quarantine.to_pylist())
    assert fields == ["score_difference", "subject_reported"]
    assert not {"Иванов", "0812 1"} & all_strings(result.rows)


def test_medalists_seed000_counts(tmp_path: Path) -> None:
    """seed 000: the municipality's medalists fell from 14 to 7; a list of 7 (degrees written
    several ways) loads 7 medalists, keyed like the ЕГЭ exports."""
    degrees = ["I", "I степени", "1", "II", "II степени", "2", "второй степени"]
    rows = [
        [
            "Список выпускников 11 классов, награждённых медалью «За особые успехи в учении», 2023 год"
        ],
        [],
        ["№", "Код ОО", "ФИО", "Документ", "Степень медали"],
    ]
    rows += [
        [i, "101001", f"Медалистов Иван {i}", f"0812 {i}", d] for i, d in enumerate(degrees, 1)
    ]
    rows += [[8, "101001", "Ошибкин Иван", "0812 8", "золотая"], ["Итого: 7"]]
    path = write_xlsx(tmp_path / "m.xlsx", {"Медалисты": rows})
    result = read_one("medalists", path, "medalists/m.xlsx", tmp_path)
    assert_accounting(result)
    assert column(result.rows, "medal_degree") == [1, 1, 1, 2, 2, 2, 2]
    assert set(column(result.rows, "academic_year")) == {2022}
    assert column(result.rows, "person_key")[0] == person_key(
        SECRET, 2022, "27", "Медалистов Иван 1"
    )
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (7, 1)
    assert not {"Медалистов Иван 1", "0812 1"} & all_strings(result.rows)


def test_federal_lists(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        {
            "Перечень": [
                ["Перечень ОО с признаками необъективных результатов ВПР и ШНОР, 2023 год"],
                ["№", "Логин ОО", "Наименование ОО", "Тип списка", "Год"],
                [
                    1,
                    "sch270101",
                    "МБОУ СОШ № 1",
                    "ОО с признаками необъективных результатов ВПР",
                    2023,
                ],
                [2, None, "МБОУ СОШ № 2", "ШНОР", 2023],
                [3, "sch270103", None, "Школы с низкими образовательными результатами", None],
                [4, "sch270104", None, "Лучшие школы", 2023],
                [5, "sch270105", None, "ШНОР", 2022],
            ]
        },
    )
    result = read_one("federal_lists", path, "federal_lists/f.xlsx", tmp_path)
    assert_accounting(result)
    assert column(result.rows, "list_code") == ["nonobjective_vpr", "shnor", "shnor"]
    assert set(column(result.rows, "academic_year")) == {2022}
    assert len(result.quarantine) == 2


def test_templates_load_as_written(tmp_path: Path) -> None:
    """The templates the project writes are read by their readers (a hand-filled file)."""
    from ingestion.samples.gia import write_template

    expected = {
        "medalists": "medal_degree",
        "gia_appeals": "decision",
        "federal_lists": "list_code",
    }
    for kind, column_name in expected.items():
        path = write_template(kind, tmp_path / f"{kind}.xlsx", 2024)
        result = read_one(kind, path, f"{kind}/{kind}.xlsx", tmp_path)
        assert_accounting(result)
        assert len(result.rows) == 1 and column(result.rows, column_name)[0] is not None, kind
        assert set(column(result.rows, "academic_year")) == {2023}
