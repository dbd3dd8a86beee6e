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


def test_a_database_from_before_a_column_existed_gains_it_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    with Database(path) as db:   # as made before 返利入账 (credit_lag_months) existed
        db.execute("ALTER TABLE rate_card_rebates DROP COLUMN credit_lag_months")
        db.execute("INSERT INTO rate_card_rebates (carrier, basis, tier1_from, tier1_rate, "
                   "effective_from, period, source_file, source_row) VALUES ('SF', 'parcels', "
                   "1, 0.01, DATE '2026-01-01', '2026-09', 'rate_card_rebates.csv', 2)")
    with Database(path) as db:
        cols = db.df("DESCRIBE rate_card_rebates")
        assert "credit_lag_months" in set(cols["column_name"])
        assert db.scalar("SELECT count(*) FROM rate_card_rebates "
                         "WHERE carrier = 'SF' AND credit_lag_months IS NULL") == 1  # as 当月


def test_a_database_from_before_tickets_named_skus_gains_the_column(tmp_path):
    path = tmp_path / "old.duckdb"
    with Database(path) as db:   # as made before service_tickets.sku existed
        db.execute("ALTER TABLE service_tickets DROP COLUMN sku")
        db.execute("INSERT INTO service_tickets (ticket_id, channel, category, opened_at, period, "
                   "source_file, source_row) VALUES ('GD1', 'tmall', 'quality', "
                   "TIMESTAMP '2026-09-05 10:00:00', '2026-09', 'service_tickets.csv', 2)")
    with Database(path) as db:
        assert db.scalar("SELECT count(*) FROM service_tickets "
                         "WHERE ticket_id = 'GD1' AND sku IS NULL") == 1  # the whole order


def test_data_model_doc_is_generated_from_the_schema():
    # regenerate with: python -m recon_lib.schema > docs/data-model.md
    assert DOC.read_text(encoding="utf-8").strip() == schema.markdown().strip()
