from pathlib import Path

import pytest

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


@pytest.mark.parametrize(("table", "column", "row"), [
    # as made before 返利入账 (credit_lag_months) existed: its schemes read as 当月
    ("rate_card_rebates", "credit_lag_months",
     "(carrier, basis, tier1_from, tier1_rate, effective_from, period, source_file, source_row) "
     "VALUES ('SF', 'parcels', 1, 0.01, DATE '2026-01-01', '2026-09', 'rate_card_rebates.csv', 2)"),
    # as made before service tickets named SKUs: its tickets are about their whole order
    ("service_tickets", "sku",
     "(ticket_id, channel, category, opened_at, period, source_file, source_row) VALUES ('GD1', "
     "'tmall', 'quality', TIMESTAMP '2026-09-05 10:00:00', '2026-09', 'service_tickets.csv', 2)"),
])
def test_a_database_from_before_a_column_existed_gains_it_and_keeps_its_rows(tmp_path, table,
                                                                              column, row):
    path = tmp_path / "old.duckdb"
    with Database(path) as db:
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.execute(f"INSERT INTO {table} {row}")
    with Database(path) as db:
        assert column in set(db.df(f"DESCRIBE {table}")["column_name"])
        assert db.scalar(f"SELECT count(*) FROM {table} WHERE {column} IS NULL") == 1


def test_data_model_doc_is_generated_from_the_schema():
    # regenerate with: python -m recon_lib.schema > docs/data-model.md
    assert DOC.read_text(encoding="utf-8").strip() == schema.markdown().strip()
