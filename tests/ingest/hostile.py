"""A corpus of hostile and malformed workbooks, built on demand (nothing binary is committed).

Each case is a builder that writes one file into a folder, and what the loader must do with
it: quarantine it with a given rule, or accept it (possibly with rejected cells) and store
its text inert. ``build(folder)`` writes them all and returns the cases.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from ingest import contract
from ingest.samples import generator
from ingest.workbook import template

GOOD_COUNTY, PERIOD = "520603", "2025"


@dataclass(frozen=True)
class Case:
    name: str
    file_name: str
    build: Callable[[Path], None]
    status: str  # quarantined | accepted
    rule: str | None = None  # for quarantined: the rule recorded in quality.rejected_cells
    reason: str | None = None  # a fragment of the Chinese reason
    inert_text: str | None = None  # for accepted: text that must be stored exactly


def _good_bytes(county: str = GOOD_COUNTY, n: int = 5) -> bytes:
    rows = generator.county_rows(county, PERIOD)
    small = {k: v[:n] for k, v in rows.items()}
    buf = io.BytesIO()
    template.build(county, PERIOD, small).save(buf)
    return buf.getvalue()


def _good(path: Path, county: str = GOOD_COUNTY, n: int = 5) -> None:
    path.write_bytes(_good_bytes(county, n))


def _edit(path: Path, change: Callable) -> None:
    _good(path)
    wb = load_workbook(path)
    change(wb)
    wb.save(path)


def _add_to_zip(path: Path, entries: dict[str, bytes]) -> None:
    _good(path)
    with zipfile.ZipFile(path, "a") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def _replace_sheet_xml(path: Path, sheet_part: str, xml: bytes) -> None:
    _good(path)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, xml if item.filename == sheet_part else src.read(item.filename))
    tmp.replace(path)


def _million_rows(path: Path) -> None:
    rows = b"".join(b'<row r="%d"><c r="A%d" t="n"><v>1</v></c></row>' % (i, i) for i in range(2, 1_048_577))
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + "身份证号".encode()
        + b"</t></is></c></row>"
        + rows
        + b"</sheetData></worksheet>"
    )
    _replace_sheet_xml(path, _sheet_part(contract.CADRES.title), xml)


def _sheet_part(title: str) -> str:
    wb_sheets = [template.INSTRUCTIONS_SHEET, contract.COVER_SHEET, *(s.title for s in contract.SHEETS)]
    return f"xl/worksheets/sheet{wb_sheets.index(title) + 1}.xml"


def _bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:  # 200 MB of zeros, about 200 KB packed
            block = b"\0" * (1 << 20)
            for _ in range(200):
                fh.write(block)


def _text_cell(sheet_key: str, column: str, value: str) -> Callable:
    def change(wb):
        s = contract.sheet(sheet_key)
        ws = wb[s.title]
        col = [c.name for c in s.columns].index(column) + 1
        cell = ws.cell(2, col)
        cell.value = value
        cell.data_type = "s"  # text, even when it starts with "=": never a formula

    return change


def _cover(field: str, value: str) -> Callable:
    def change(wb):
        ws = wb[contract.COVER_SHEET]
        for row in ws.iter_rows():
            if row[0].value == contract.COVER_FIELDS[field]:
                row[1].value = value

    return change


def _delete_column(sheet_title: str, index: int) -> Callable:
    return lambda wb: wb[sheet_title].delete_cols(index)


def _formula(wb) -> None:
    ws = wb[contract.VILLAGES.title]
    col = [c.name for c in contract.VILLAGES.columns].index("grid_count") + 1
    ws.cell(2, col).value = "=1+1"


SQL = "'); drop table raw.submission; --"
SQL_SHEET = "x'); drop table raw.villages;--"  # 31 characters: Excel's longest sheet name


def _rename(title: str, new: str) -> Callable:
    """Rename a subject sheet: the reader finds it by its header fingerprint and stores the name."""

    def change(wb):
        wb[title].title = new

    return change


FORMULA = '=HYPERLINK("http://example.invalid","点我")'
GOOD_NAME = contract.file_name(GOOD_COUNTY, PERIOD)


def _named(name: str) -> str:
    return f"{GOOD_COUNTY}_{PERIOD}_{name}.xlsx"


CASES: tuple[Case, ...] = (
    Case(
        "not_a_zip",
        _named("not_a_zip"),
        lambda p: p.write_bytes(os.urandom(4096)),
        "quarantined",
        "unreadable",
        "不是 Excel 工作簿",
    ),
    Case(
        "zero_bytes",
        _named("zero_bytes"),
        lambda p: p.write_bytes(b""),
        "quarantined",
        "empty_file",
        "空文件",
    ),
    Case(
        "truncated_zip",
        _named("truncated"),
        lambda p: p.write_bytes(_good_bytes()[:3000]),
        "quarantined",
        "unreadable",
        "已损坏或不完整",
    ),
    Case(
        "zip_header_then_garbage",
        _named("garbage"),
        lambda p: p.write_bytes(b"PK\x03\x04" + os.urandom(5000)),
        "quarantined",
        "unreadable",
        "已损坏或不完整",
    ),
    Case(
        "password_protected",
        _named("password"),
        lambda p: p.write_bytes(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\0" * 504
            + "EncryptedPackage".encode("utf-16-le")
            + os.urandom(2048)
        ),
        "quarantined",
        "encrypted",
        "设置了打开密码",
    ),
    Case(
        "legacy_xls_renamed",
        _named("legacy"),
        lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096)),
        "quarantined",
        "xls_renamed",
        "旧版 .xls",
    ),
    Case(
        "broken_xls",
        f"{GOOD_COUNTY}_{PERIOD}_broken.xls",
        lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096)),
        "quarantined",
        "unreadable",
        "无法打开文件",
    ),
    Case(
        "xlsm_with_macros",
        _named("macros"),
        lambda p: _add_to_zip(p, {"xl/vbaProject.bin": os.urandom(512)}),
        "quarantined",
        "macros",
        "含宏",
    ),
    Case(
        "csv_renamed",
        _named("csv"),
        lambda p: p.write_text("身份证号,姓名\n520603198001010011,张三\n"),
        "quarantined",
        "unreadable",
        "CSV",
    ),
    Case(
        "html_renamed",
        _named("html"),
        lambda p: p.write_text("<html><body><table><tr><td>1</td></tr></table>"),
        "quarantined",
        "unreadable",
        "网页",
    ),
    Case(
        "word_document",
        _named("docx"),
        lambda p: zipfile.ZipFile(p, "w").writestr("word/document.xml", "<w:document/>"),
        "quarantined",
        "unreadable",
        "没有 Excel 工作簿",
    ),
    Case(
        "empty_workbook",
        _named("empty"),
        lambda p: __import__("openpyxl").Workbook().save(p),
        "quarantined",
        "missing_cover",
        "缺少「封面」",
    ),
    Case(
        "only_headers",
        _named("headers"),
        lambda p: template.write(p, GOOD_COUNTY, PERIOD),
        "quarantined",
        "no_data",
        "只有表头",
    ),
    Case("million_rows", _named("million"), _million_rows, "quarantined", "too_many_rows", "超过上限"),
    Case(
        "external_links",
        _named("links"),
        lambda p: _add_to_zip(p, {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
        "quarantined",
        "external_links",
        "外部链接",
    ),
    Case(
        "uncalculated_formula",
        _named("formula"),
        lambda p: _edit(p, _formula),
        "quarantined",
        "uncalculated_formula",
        "是公式但文件中没有保存计算结果",
    ),
    Case("decompression_bomb", _named("bomb"), _bomb, "quarantined", "decompression_bomb", "压缩炸弹"),
    Case(
        "unknown_county",
        "anything_at_all.xlsx",
        lambda p: _edit(p, _cover("county_code", "110101")),
        "quarantined",
        "unknown_county",
        "110101",
    ),
    Case(
        "bad_period",
        "bad_period.xlsx",
        lambda p: _edit(p, _cover("period", "去年")),
        "quarantined",
        "bad_period",
        "去年",
    ),
    Case(
        "cover_mismatch",
        contract.file_name("520624", PERIOD, "思南县"),
        _good,
        "quarantined",
        "cover_mismatch",
        "与封面不一致",
    ),
    Case(
        "missing_required_column",
        _named("nocol"),
        lambda p: _edit(p, _delete_column(contract.VILLAGES.title, 1)),
        "quarantined",
        "missing_column",
        "缺少必填列",
    ),
    Case(
        "missing_sheet",
        _named("nosheet"),
        lambda p: _edit(p, lambda wb: wb.remove(wb[contract.TRAINING.title])),
        "quarantined",
        "missing_sheet",
        "缺少工作表：培训记录",
    ),
    Case(
        "huge_cell",
        _named("huge"),
        lambda p: _edit(p, _text_cell("cadres", "name", "长" * 32_000)),
        "accepted",
        reason="内容过长",
    ),
    Case(
        "control_characters",
        _named("control"),
        lambda p: _edit(p, _text_cell("cadres", "name", "张_x0007_三")),  # BEL, as xlsx stores it
        "accepted",
        reason="控制字符",
    ),
    Case(
        "sql_injection_text",
        _named("sql"),
        lambda p: _edit(p, _text_cell("enterprises", "industry", SQL)),
        "accepted",
        inert_text=SQL,
    ),
    Case(
        "formula_injection_text",
        _named("formula_text"),
        lambda p: _edit(p, _text_cell("enterprises", "industry", FORMULA)),
        "accepted",
        inert_text=FORMULA,
    ),
    Case(
        "sql_injection_sheet_name",
        _named("sqlsheet"),
        lambda p: _edit(p, _rename(contract.ENTERPRISES.title, SQL_SHEET)),
        "accepted",
    ),
    Case("path_traversal_name", "..\\..\\..\\etc\\passwd_" + GOOD_NAME, lambda p: _good(p, n=6), "accepted"),
    Case("control_character_name", "报送\x1b[31m" + GOOD_NAME, lambda p: _good(p, n=7), "accepted"),
)


def build(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        case.build(folder / case.file_name)
    return list(CASES)


def copy_good(folder: Path, county: str) -> Path:
    """A good workbook of another county, to show the batch goes on."""
    path = folder / contract.file_name(county, PERIOD)
    _good(path, county)
    return path
