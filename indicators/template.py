"""Empty data-entry templates: an Excel workbook, or CSV files with a commented dataset.toml.

The workbook (:func:`write_template`) has, in this order:

- ``instructions``: how to fill it in, one paragraph per table;
- ``dataset``: the keys of dataset.toml as ``key | value | description`` rows (policy answers
  and parameters as ``policy.<key>``, ``parameters.<key>``), with drop-downs where the answer is
  a choice;
- one sheet per table, named after it: the header row (row 1) with a comment on each column
  giving its description, whether it is required and its codes; id, code and text columns
  formatted as text (so ``01`` stays ``01``), date columns shown as ``YYYY-MM-DD``, and
  drop-downs on code and true/false columns;
- ``codes``: the code lists the drop-downs draw from.

Records start on row 2, so row numbers in validation reports are the rows Excel shows. The
reader (:func:`indicators.read_dataset`) accepts the filled workbook as it is: placed alone in
a folder (its ``dataset`` sheet stands for dataset.toml) or passed as a path.
"""

from __future__ import annotations

from pathlib import Path

from .codes import OPTIONAL_TABLES, REQUIRED_TABLES, TABLES
from .parameters import PARAMETERS, Options
from .registry import policy_keys

__all__ = ["dataset_keys", "dataset_toml_template", "write_csv_template", "write_template"]

DATA_ROWS = 100_000
"""Rows of each table sheet that carry the drop-downs and formats."""

_METADATA_ROWS: tuple[tuple[str, str, str], ...] = (
    ("country", "required", "ISO 3166-1 alpha-3 code, or a user code of 3 upper-case letters "
     "(e.g. ATL)"),
    ("country_name", "optional", "Name of the country, used in charts"),
    ("period_start", "required", "First day of the 12-month reference period P (YYYY-MM-DD)"),
    ("period_end", "required", "Last day of P, inclusive (YYYY-MM-DD)"),
    ("census_date", "optional", "The snapshot day C, within P; defaults to period_end"),
    ("minimum_age_criminal_responsibility", "optional",
     "Whole years; used in data-quality checks"),
    ("region", "optional", "Region, copied into the results"),
    ("source", "optional", "Source of the records, copied into the results"),
)


def _dataset_parameters():
    return [p for p in PARAMETERS if p.in_dataset_toml]


def dataset_keys() -> tuple[tuple[str, str, str], ...]:
    """Rows of the ``dataset`` sheet: key, required or optional, description.

    The policy questions come from the indicator declaration, the parameters from theirs.
    """
    policy = tuple(
        (f"policy.{key}", "optional",
         f"Indicator {ind[2:]}: true or false; leave empty when not assessed")
        for key, ind in policy_keys().items())
    params = tuple(
        (f"parameters.{p.name}", "optional",
         f"{p.help[0].upper()}{p.help[1:]}: {p.constraint.describe()} (default {p.default})")
        for p in _dataset_parameters())
    return _METADATA_ROWS + policy + params



_INSTRUCTIONS = """\
Data-entry template of jj-indicators (juvenile justice indicators, UNICEF/UNODC).

One workbook holds one country's records for one 12-month reference period.
1. Fill in the 'dataset' sheet: country, period_start, period_end are required.
2. Fill in one sheet per table, one record per row, starting on row 2. Keep the header row
   as it is; hover over a column name to read what it holds. Leave a cell empty when the
   value is unknown.
3. children and population are required. Delete the sheet of any other table you do not
   have: a sheet left empty means 'there were none' (zero), a deleted sheet means 'not
   available'.
4. Dates are YYYY-MM-DD. Ids and codes are text (01 is not 1). true/false columns accept
   true/false (also yes/no, 1/0).
5. Records are pseudonymous: never add names, addresses, phone numbers or national ids.
6. Check the workbook with:  jj-indicators validate FOLDER  (the folder holding only this
   workbook), or compute the indicators with  jj-indicators compute FOLDER --out RESULTS.
The 'codes' sheet lists the codes the drop-downs offer."""


def _comment_text(table: str, col) -> str:
    need = "Required." if col.required and not col.nullable else (
        "Required column; a cell may be empty." if col.required else "Optional.")
    text = f"{col.name}: {col.description}\n{need}"
    if col.codes:
        text += "\nCodes: " + ", ".join(col.codes)
    if col.kind == "date":
        text += "\nDate YYYY-MM-DD."
    if col.kind == "bool":
        text += "\ntrue or false (empty = unknown)."
    return text


def write_template(path: str | Path, *, data_rows: int = DATA_ROWS) -> Path:
    """Write the empty data-entry workbook.

    Parameters
    ----------
    path : str or Path
        The .xlsx file to write (overwritten if it exists).
    data_rows : int
        Rows of each table sheet given drop-downs and text formats.

    Returns
    -------
    Path
        The file written.
    """
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook()
    _instructions_sheet(wb.active)
    lists = _codes_sheet(wb.create_sheet("codes"))
    _dataset_sheet(wb.create_sheet("dataset"))
    for table, columns in TABLES.items():
        _table_sheet(wb.create_sheet(table), table, columns, lists, data_rows)
    wb.save(path)
    return path


def _header_style():
    from openpyxl.styles import Font, PatternFill

    return Font(bold=True), PatternFill("solid", fgColor="DDEBF7")


def _instructions_sheet(ws) -> None:
    from openpyxl.styles import Font

    ws.title = "instructions"
    for i, line in enumerate(_INSTRUCTIONS.splitlines(), start=1):
        ws.cell(row=i, column=1, value=line)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 100


def _codes_sheet(ws) -> dict[tuple[str, ...], str]:
    """One column per code list; returns code list -> the range the drop-downs refer to."""
    from openpyxl.utils import get_column_letter

    bold, _ = _header_style()
    lists: dict[tuple[str, ...], str] = {}
    col_no = 0
    for table, columns in TABLES.items():
        for col in columns:
            if col.kind != "code" or col.codes in lists:
                continue
            col_no += 1
            letter = get_column_letter(col_no)
            ws.cell(row=1, column=col_no, value=f"{col.name} ({table})").font = bold
            for r, code in enumerate(col.codes, start=2):
                ws.cell(row=r, column=col_no, value=code).number_format = "@"
            ws.column_dimensions[letter].width = 26
            lists[col.codes] = f"codes!${letter}$2:${letter}${len(col.codes) + 1}"
    return lists


def _dataset_sheet(meta) -> None:
    """The keys of dataset.toml as key | value | required | description rows."""
    from openpyxl.worksheet.datavalidation import DataValidation

    bold, fill = _header_style()
    for c, head in enumerate(("key", "value", "required", "description"), start=1):
        meta.cell(row=1, column=c, value=head).font = bold
        meta.cell(row=1, column=c).fill = fill
    choice_rows: dict[str, list[int]] = {}
    choices_of = {p.name: p.constraint.choices for p in _dataset_parameters()
                  if isinstance(p.constraint, Options)}
    for r, (key, need, desc) in enumerate(dataset_keys(), start=2):
        meta.cell(row=r, column=1, value=key)
        meta.cell(row=r, column=3, value=need)
        meta.cell(row=r, column=4, value=desc)
        if key in ("country", "country_name", "region", "source") or (key.startswith(
                "parameters.") and key.split(".", 1)[1] in choices_of):
            meta.cell(row=r, column=2).number_format = "@"
        elif key in ("period_start", "period_end", "census_date"):
            meta.cell(row=r, column=2).number_format = "yyyy-mm-dd"
        section, _, sub = key.partition(".")
        if section == "policy":
            choice_rows.setdefault("true,false", []).append(r)
        elif section == "parameters" and sub in choices_of:
            choice_rows.setdefault(",".join(choices_of[sub]), []).append(r)
    for choices, rows in choice_rows.items():
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        for r in rows:
            dv.add(f"B{r}")
        meta.add_data_validation(dv)
    for letter, width in zip("ABCD", (42, 26, 10, 80), strict=True):
        meta.column_dimensions[letter].width = width


def _table_sheet(ws, table: str, columns, lists: dict, data_rows: int) -> None:
    """A table's sheet: the header with a comment per column, formats and drop-downs."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold, fill = _header_style()
    ws.freeze_panes = "A2"
    for c, col in enumerate(columns, start=1):
        letter = get_column_letter(c)
        cell = ws.cell(row=1, column=c, value=col.name)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        comment = Comment(_comment_text(table, col), "jj-indicators")
        comment.width, comment.height = 320, 160
        cell.comment = comment
        ws.column_dimensions[letter].width = max(14, len(col.name) + 4)
        rng = f"{letter}2:{letter}{data_rows + 1}"
        if col.kind in ("id", "string", "code"):
            ws.column_dimensions[letter].number_format = "@"
        elif col.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if col.kind == "code":
            dv = DataValidation(type="list", formula1=lists[col.codes], allow_blank=True,
                                showErrorMessage=True, errorTitle=col.name,
                                error="Choose a code from the list (see the codes sheet).")
        elif col.kind == "bool":
            dv = DataValidation(type="list", formula1='"true,false"', allow_blank=True,
                                showErrorMessage=True, errorTitle=col.name,
                                error="Choose true or false, or leave empty if unknown.")
        else:
            continue
        dv.add(rng)
        ws.add_data_validation(dv)


def dataset_toml_template() -> str:
    """A dataset.toml with every key, commented, ready to edit."""
    lines = [
        "# dataset.toml: one country's records for one 12-month reference period.",
        "# Replace the example values; keys commented out with # are optional.",
        "# Tables go beside this file: " + ", ".join(f"{t}.csv" for t in REQUIRED_TABLES)
        + " (required),",
        "# " + ", ".join(f"{t}.csv" for t in OPTIONAL_TABLES) + " (optional).",
        "# Delete the CSV file of a table you do not have: an empty file (header only) means",
        "# 'there were none' (zero), a missing file means 'not available'.",
        "",
        'country = "ATL"              # ISO 3166-1 alpha-3, or a user code of 3 upper-case '
        "letters",
        '# country_name = "Atlantis"  # used in charts',
        "period_start = 2024-01-01    # first day of the reference period P (no quotes)",
        "period_end = 2024-12-31      # last day of P (inclusive)",
        "# census_date = 2024-12-31   # the snapshot day C, within P; defaults to period_end",
        "# minimum_age_criminal_responsibility = 12   # used in data-quality checks",
        '# region = "Region North"',
        '# source = "Ministry of Justice registers"',
        "",
        "[policy]                     # a missing key means 'not assessed'",
    ]
    for key, ind in policy_keys().items():
        lines.append(f"# {key} = true   # indicator {ind[2:]}: true or false")
    lines += ["", "[parameters]                 # optional overrides of the defaults"]
    for p in _dataset_parameters():
        shown = f'"{p.default}"' if isinstance(p.default, str) else p.default
        lines.append(f"# {p.name} = {shown}   # {p.constraint.describe()}")
    return "\n".join(lines) + "\n"


def write_csv_template(folder: str | Path) -> Path:
    """Write empty CSV files (header row only) for every table and a commented dataset.toml.

    Returns the folder. Files are UTF-8 with comma delimiters, as the record format defines
    (docs/records.md#layout).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.toml").write_text(dataset_toml_template(), encoding="utf-8")
    for table, columns in TABLES.items():
        header = ",".join(c.name for c in columns)
        (folder / f"{table}.csv").write_text(header + "\n", encoding="utf-8")
    return folder
