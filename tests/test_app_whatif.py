"""The what-if page under AppTest: sliders start at the actual drivers, and moving one changes
the projection exactly as the driver model says."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from kpi_engine import units
from kpi_engine.whatif import base_drivers
from kpi_engine.whatif_model import DRIVERS, project, solve
from tests.test_app import APP, sample


@pytest.fixture(scope="module")
def base():
    ds = sample()
    return base_drivers(ds.tables, None, ds.currency)


@pytest.fixture
def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    next(b for b in at.button if b.label == "Try with sample data").click().run()
    at.switch_page("pages/what_if.py").run()
    assert not at.exception
    return at


def _metric(at: AppTest, prefix: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(prefix))


def _money(v: float) -> str:
    return units.display(v, "money", sample().currency, compact=True)


def test_sliders_start_at_the_actual_drivers(page, base):
    lead = base.trees["lead"]
    for driver, value in lead.items():
        slider = next(s for s in page.slider if s.label == DRIVERS[driver].label)
        assert slider.value == pytest.approx(value, abs=0.5 if driver == "leads" else 0.01)
    first = project("lead", lead, 1)[0]
    assert _metric(page, "Revenue,") == _money(first)
    assert page.number_input[0].value == pytest.approx(base.default_target)


def test_moving_a_slider_changes_the_projection_as_the_model_says(page, base):
    lead = dict(base.trees["lead"])
    slider = next(s for s in page.slider if s.label == "Lead conversion rate")
    slider.set_value(20.0).run()
    assert not page.exception
    expected = project("lead", {**lead, "lead_conversion_rate": 20.0}, 1)[0]
    assert expected == pytest.approx(lead["leads"] * 0.20 * lead["average_deal_size"])
    assert _metric(page, "Revenue,") == _money(expected)
    target = base.default_target
    assert _metric(page, "Of target") == units.display(expected / target * 100, "percent")
    # goal seek answers for the scenario, one per driver
    table = page.dataframe[0].value
    needed = solve("lead", {**lead, "lead_conversion_rate": 20.0}, target)
    leads_row = table[table["Driver"] == "Leads per month"].iloc[0]
    assert leads_row["Needed alone"] == units.display(needed["leads"].value, "count",
                                                      sample().currency)


def test_a_saved_scenario_is_compared_with_the_baseline(page, base):
    next(s for s in page.slider if s.label == "Leads per month").set_value(200.0).run()
    page.text_input(key="wi_name").input("Trade fairs").run()
    next(b for b in page.button if b.label == "Save scenario").click().run()
    assert not page.exception
    table = page.dataframe[-1].value
    assert list(table["Scenario"]) == ["Baseline", "Trade fairs"]
    lead = base.trees["lead"]
    expected = project("lead", {**lead, "leads": 200.0}, 1)[0]
    assert table["Scenario"].iloc[1] == "Trade fairs"
    assert table.iloc[1, 2] == units.display(expected, "money", sample().currency)


def test_a_longer_base_period_starts_from_its_own_actuals(page):
    import datetime as dt

    page.selectbox(key="wi_base").set_value(12).run()
    assert not page.exception
    ds = sample()
    b12 = base_drivers(ds.tables, None, ds.currency, dt.date(2024, 11, 1), dt.date(2025, 10, 31))
    assert any("01 Nov 2024 – 31 Oct 2025" in c.value for c in page.caption)
    slider = next(s for s in page.slider if s.label == "Leads per month")
    assert slider.value == pytest.approx(b12.trees["lead"]["leads"], abs=0.5)
    assert _metric(page, "Revenue,") == _money(project("lead", b12.trees["lead"], 1)[0])
