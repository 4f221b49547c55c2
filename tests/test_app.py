"""Every page of the app under Streamlit's AppTest, with the sample data loaded: the numbers on
screen are the engine's, and filters, settings and mapping changes move them."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine import units
from kpi_engine.evaluate import evaluate
from kpi_engine.ingest.dataset import load
from kpi_engine.query import Query, Settings
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
SAMPLES = sorted(p for p in (ROOT / "sample_files").iterdir() if p.suffix in (".csv", ".xlsx"))
RESULT_PAGES = ["overview", "catalogue", "breakdowns", "pipeline", "customers", "what_if",
                "export"]


@cache
def sample():
    """The sample upload as the app holds it (tables rechunked to one chunk per column, which
    can move a float sum in its last bit: 1 061 903.075 vs 1 061 903.0749999)."""
    ds = load(SAMPLES)
    ds.tables.update({name: df.rechunk() for name, df in ds.tables.items()})
    return ds


def engine(query: Query | None = None, only: list[str] | None = None):
    ds = sample()
    return evaluate(ds.tables, query or Query(), ds.currency, only=only)


def shown(value: float | None, unit: str) -> str:
    return units.display(value, unit, sample().currency)


def card(value: float | None, unit: str) -> str:
    """What a metric card shows: large amounts in k / M (the exact one is in its help)."""
    return units.display(value, unit, sample().currency, compact=True)


def fresh() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


@pytest.fixture
def app() -> AppTest:
    at = fresh()
    next(b for b in at.button if b.label == "Try with sample data").click().run()
    assert not at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", RESULT_PAGES)
def test_without_data_every_results_page_says_what_to_do(page):
    at = fresh()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert any("upload" in i.value.lower() for i in at.info)
    assert not at.metric


def test_sample_data_lists_every_table_and_the_rows_set_aside(app):
    body = texts(app)
    ds = sample()
    for table, df in ds.tables.items():
        assert f"— {df.height:,} rows" in body, table
    assert len(app.expander) == len(ds.sources)
    aside = ds.set_aside()
    assert f"{aside.filter(aside['reason'] == 'cancelled').height:,} cancelled orders" in body
    assert any(b.label.startswith("Download the rows set aside") for b in app.get("download_button"))


def test_overview_cards_are_the_engines_values(app):
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    res = engine()
    got = metrics(app)
    for kpi_id in ("revenue", "gross_margin", "monthly_profit_estimate", "average_purchase_value",
                   "new_customers", "target_attainment"):
        r = res.kpis[kpi_id]
        assert got[r.name] == card(r.value, r.unit), kpi_id
    assert got["Revenue"] == "2.12 M zł"  # Σ of the sample's valid order lines: 2 123 806.15


def test_a_filter_changes_the_cards(app):
    app.switch_page("pages/overview.py").run()
    before = metrics(app)["Revenue"]
    app.session_state["f_rep"] = "Anna Kowalska"
    app.run()
    assert not app.exception
    r = engine(Query(filters={"rep": "Anna Kowalska"}), ["revenue"]).kpis["revenue"]
    assert metrics(app)["Revenue"] == card(r.value, "money")
    assert metrics(app)["Revenue"] != before


def test_a_date_preset_changes_the_range(app):
    app.switch_page("pages/overview.py").run()
    app.session_state["f_preset"] = "Last 3 months"
    app.run()
    q = Query(start=dt.date(2025, 8, 1), end=dt.date(2025, 10, 31))
    r = engine(q, ["revenue"]).kpis["revenue"]
    assert metrics(app)["Revenue"] == card(r.value, "money")
    assert "2025-08-01 – 2025-10-31" in texts(app)


def test_the_audience_switch_picks_other_cards(app):
    app.switch_page("pages/overview.py").run()
    app.get("button_group")[0].set_value("manager").run()
    assert not app.exception
    res = engine()
    got = metrics(app)
    assert "Pipeline value" in got and "Revenue" not in got
    r = res.kpis["win_rate"]
    assert got[r.name] == card(r.value, r.unit)


def test_catalogue_shows_every_group_with_values_and_unlock_hints(app):
    app.switch_page("pages/catalogue.py").run()
    res = engine()
    for group in "ABCDEFGHIJ":
        app.session_state["cat_group"] = group
        app.run()
        assert not app.exception
        body = texts(app)
        for r in res.kpis.values():
            from kpi_engine.catalogue import load_all

            if load_all()[r.id].group != group:
                continue
            assert f"**{r.name}**" in body, r.id
            if r.available:
                assert shown(r.value, r.unit) in body, r.id
            else:
                assert "Needs" in body, r.id
    # cannibalization needs the launch settings: the card says so
    assert "type **new product** and **old product** and **launch date** in Settings" in body


def test_breakdowns_rank_the_engines_split(app):
    app.switch_page("pages/breakdowns.py").run()
    assert not app.exception
    r = engine(only=["revenue_by_region"]).kpis["revenue_by_region"]
    table = app.dataframe[0].value
    assert list(table["Region"]) == sorted(r.by["region"], key=r.by["region"].get, reverse=True)
    top = max(r.by["region"].values())
    assert table["Sales by region"].iloc[0] == shown(top, "money")


@pytest.mark.parametrize("page,ids", [
    ("pipeline", ["pipeline_value", "pipeline_coverage", "win_rate", "sales_cycle_length"]),
    ("customers", ["new_customers", "churn_rate", "clv", "cac", "ltv_cac_ratio"]),
])
def test_pipeline_and_customer_cards_are_the_engines_values(app, page, ids):
    app.switch_page(f"pages/{page}.py").run()
    assert not app.exception
    res = engine(only=ids)
    got = metrics(app)
    for kpi_id in ids:
        r = res.kpis[kpi_id]
        if page == "customers" and kpi_id == "ltv_cac_ratio":
            assert got["LTV : CAC"] == f"{r.value:.1f} : 1"
        else:
            assert got[r.name] == card(r.value, r.unit), kpi_id


def test_settings_feed_the_kpis(app):
    app.switch_page("pages/settings.py").run()
    assert not app.exception
    box = next(n for n in app.number_input if n.label == "Sales costs per month")
    box.set_value(10_000.0).run()
    app.switch_page("pages/customers.py").run()
    r = engine(Query(settings=Settings(sales_costs_per_month=10_000.0)), ["cac"]).kpis["cac"]
    assert metrics(app)["Customer acquisition cost"] == card(r.value, "money")
    assert r.value != engine(only=["cac"]).kpis["cac"].value


def test_a_mapping_change_changes_the_kpis(app):
    """Telling the app the targets sheet is not a targets table removes target attainment."""
    app.switch_page("pages/overview.py").run()
    assert metrics(app)["Sales target attainment"] != "—"
    app.switch_page("pages/upload.py").run()
    ds = sample()
    position = next(i for i, s in enumerate(ds.sources) if s.recognition.table == "targets")
    key = next(s.key for s in app.selectbox if s.key and s.key.endswith(f"_{position}_table"))
    app.selectbox(key=key).set_value("— do not use this sheet —").run()
    next(b for b in app.button if b.label.startswith("Read this sheet as")).click().run()
    assert not app.exception
    assert "Targets** — not uploaded" in texts(app)
    app.switch_page("pages/overview.py").run()
    assert metrics(app)["Sales target attainment"] == "—"


def test_breakdowns_open_the_rows_behind_a_bar(app):
    app.switch_page("pages/breakdowns.py").run()
    pick = next(s for s in app.selectbox if s.label == "See the records behind")
    pick.set_value("Skåne").run()
    assert not app.exception
    orders = sample().tables["orders"]
    import polars as pl

    expected = orders.filter(pl.col("region") == "Skåne")
    assert f"{expected.height:,} records in the date range" in texts(app)
    rows = app.dataframe[1].value
    assert len(rows) == expected.height
    assert set(rows["region"]) == {"Skåne"}
    assert abs(rows["revenue"].sum() - expected["revenue"].sum()) < 0.01


def test_the_checklist_says_what_a_missing_table_would_unlock():
    at = fresh()
    ds = load([ROOT / "sample_files" / "zamowienia_sklep.csv"])
    at.session_state["dataset"] = ds
    at.session_state["dataset_key"] = "orders only"
    at.run()
    assert not at.exception
    body = texts(at)
    assert "Orders** — 4,987 rows" in body
    from kpi_engine.catalogue import load_all
    from kpi_engine.evaluate import missing_by_kpi

    needs_deals = [load_all()[k].name for k, m in missing_by_kpi(ds.tables).items()
                   if any(a.partition(".")[0] == "deals" for a in m)]
    assert len(needs_deals) > 4  # won revenue, win rate, pipeline value, …
    assert f"Deals** — not uploaded: unlocks {', '.join(needs_deals[:4])} …" in body


def test_the_download_page_offers_the_workbook_and_the_csv_for_the_current_view(app):
    app.switch_page("pages/export.py").run()
    app.sidebar.selectbox(key="f_preset").set_value("Last 3 months").run()
    assert not app.exception
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Download the KPI workbook (Excel)", "Download all values (CSV)"]
    assert "**2025-08-01 – 2025-10-31**, by **month**" in texts(app)


def test_a_kpi_without_its_table_names_the_file_to_upload():
    at = fresh()
    at.session_state["dataset"] = load([ROOT / "sample_files" / "zamowienia_sklep.csv"])
    at.session_state["dataset_key"] = "orders only"
    at.switch_page("pages/catalogue.py").run()
    assert not at.exception
    body = texts(at)
    assert "Needs a **deals** file (CRM opportunities" in body  # won revenue, deals won
    assert "Needs a column **close date**" not in body


def test_an_upload_without_a_usable_row_says_to_pick_the_column(tmp_path):
    f = tmp_path / "zamowienia.csv"
    f.write_text("order_id;client_id;order_date\nA1;C1;2025-01-02\nA2;C2;2025-01-03\n",
                 encoding="utf-8")
    at = fresh()
    at.session_state["dataset"] = load([f])
    at.session_state["dataset_key"] = "no value column"
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert not at.metric
    assert any("None of the rows of your files can be used yet" in i.value for i in at.info)
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert "pick the revenue column" in texts(at)
