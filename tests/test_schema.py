from pathlib import Path

from recon_lib import schema
from recon_lib.db import Database

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-model.md"


def test_every_key_and_reference_names_real_columns():
    for tbl in schema.TABLES.values():
        names = set(tbl.column_names)
        assert set(tbl.key) <= names, tbl.name
        for col, (ref_table, ref_col) in tbl.references.items():
            assert col in names
            assert ref_col in schema.table(ref_table).column_names


def test_database_tables_match_the_schema():
    with Database(":memory:") as db:
        for tbl in schema.TABLES.values():
            cols = db.df(f"DESCRIBE {tbl.name}")
            assert list(cols["column_name"]) == [c.name for c in schema.all_columns(tbl)]
            assert list(cols["column_type"]) == [c.type for c in schema.all_columns(tbl)]


def test_data_model_doc_is_generated_from_the_schema():
    # regenerate with: python -m recon_lib.schema > docs/data-model.md
    assert DOC.read_text(encoding="utf-8").strip() == schema.markdown().strip()
