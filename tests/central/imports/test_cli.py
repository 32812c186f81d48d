"""`central import marc|patrons|oneroster` and `central export marc|patrons`, run as the command line runs them."""
from __future__ import annotations

from click.testing import CliRunner

from central.cli import main
from tests.central.imports.marc_files import binary, book, holding, label
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def _cli(tmp_path):
    runner = CliRunner()
    url = ["--database-url", f"sqlite:///{tmp_path / 'c.db'}"]
    assert runner.invoke(main, [*url, "init-db"]).exit_code == 0
    assert runner.invoke(main, [*url, "create-school", "test", "Test School", "--institution", "1234"]).exit_code == 0
    return lambda *args: runner.invoke(main, [*url, *args])


def test_import_marc_prints_the_summary_problems_and_one_line_per_thousand(tmp_path):
    """GIVEN a MARC file of 1,200 records, one with a bad barcode WHEN `central import marc` runs without a terminal
    THEN it prints a line at 1,000 and at the end, the summary, the refused row, and writes the refused CSV."""
    records = [book(f"c{n}", f"Book {n}", "Au, Th", holdings=[holding("852", label(10_000 + n), "FIC AU")])
               for n in range(1200)]
    records.append(book("bad", "Bad label", "X, Y", holdings=[holding("852", "123", "FIC X")]))
    path = tmp_path / "catalog.mrc"
    path.write_bytes(binary(*records))
    refused = tmp_path / "refused.csv"
    cli = _cli(tmp_path)
    result = cli("import", "marc", str(path), "--refused-csv", str(refused))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  1000 of 1201 records" in lines and "  1201 of 1201 records" in lines
    assert "catalog.mrc: titles: 1201 added, 0 updated, 0 unchanged; copies: 1200 added" in result.output
    assert "record/line 1201 123: refused: The barcode 123 is not a 14-digit library barcode" in result.output
    assert "Bad label" in refused.read_text(encoding="utf-8")
    again = cli("import", "marc", str(path))
    assert "Nothing changed" in again.output


def test_a_file_that_cannot_be_imported_exits_1_with_one_sentence(tmp_path):
    """GIVEN a truncated MARC file WHEN imported THEN the command exits 1 saying nothing was imported and why."""
    path = tmp_path / "cut.mrc"
    path.write_bytes(binary(book("a", "A", holdings=[holding("852", label(1), "FIC A")]))[:-10])
    result = _cli(tmp_path)("import", "marc", str(path))
    assert result.exit_code == 1 and "Nothing was imported: The file ends in the middle of record 1" in result.output


def test_import_patrons_with_map_and_oneroster_then_export_both(tmp_path):
    """GIVEN a patron CSV needing --map and a OneRoster folder WHEN imported THEN both report their patrons; WHEN the
    school is exported THEN the patron CSV and the MARC file are written."""
    cli = _cli(tmp_path)
    csv_file = tmp_path / "odd.csv"
    csv_file.write_text("Code,Given,Family\n1,Ada,Lovelace\n", encoding="utf-8")
    mapped = cli("import", "patrons", str(csv_file), "--map", "Code=student_id", "--map", "Given=first_name",
                 "--map", "Family=last_name")
    assert mapped.exit_code == 0 and "patrons: 1 added" in mapped.output
    roster = cli("import", "oneroster", str(FIXTURES / "oneroster"))
    assert roster.exit_code == 0 and "patrons: 4 added" in roster.output, roster.output
    out = tmp_path / "patrons-out.csv"
    exported = cli("export", "patrons", str(out))
    assert exported.exit_code == 0 and "Lovelace" in out.read_text(encoding="utf-8-sig")
    marc = tmp_path / "catalog.xml"
    assert cli("export", "marc", str(marc)).exit_code == 0 and marc.read_bytes().startswith(b"<?xml")
    unknown = cli("export", "patrons", str(out), "--school", "nowhere")
    assert unknown.exit_code == 1 and "There is no school 'nowhere'" in unknown.output
