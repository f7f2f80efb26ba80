"""The HTML report in a real browser: headless Chromium (Debian package ``chromium``,
installed by ``.ci/run``) loads the file with no console error, no exception and no
Content Security Policy violation (nothing external may load), shows the six question
sections, and its tables sort and filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import find_chromium, load_page

from sigmaq.core.loader import load_rules
from sigmaq.hunt.rules import replayable_rules
from sigmaq.investigate.render_html import render_html
from sigmaq.investigate.runner import investigate

ROOT = Path(__file__).resolve().parents[2]
BINARY = find_chromium()
pytestmark = pytest.mark.skipif(
    BINARY is None,
    reason="Chromium is not installed (Debian: apt-get install -y chromium; .ci/run installs it)",
)

PRINCIPALS_EVENTS = """
(function(){
  var table=document.querySelector('#principals table.sortable');
  var th=table.tHead.rows[0].cells[4];
  function column(){
    return Array.prototype.map.call(table.tBodies[0].rows,function(r){
      return Number(r.cells[4].textContent);
    });
  }
  th.click(); var up=column();
  th.click(); var down=column();
  return {header: th.textContent, up: up, down: down, sort: th.getAttribute('aria-sort')};
})()
"""
FILTER = """
(function(){
  var box=document.getElementById('filter');
  var rows=document.querySelectorAll('#principals table.sortable tbody tr');
  box.value='dev-alice'; box.dispatchEvent(new Event('input'));
  var shown=Array.prototype.filter.call(rows,function(r){return r.style.display!=='none';}).length;
  box.value=''; box.dispatchEvent(new Event('input'));
  return {all: rows.length, shown: shown};
})()
"""
CHECKS = {
    "ready": "document.documentElement.getAttribute('data-ready')",
    "questions": "['q1','q2','q3','q4','q5','q6'].map(function(i){var s=document.getElementById(i);"
    "return s ? s.getAttribute('data-answered') : null;})",
    "headings": "Array.prototype.map.call(document.querySelectorAll('section.question h3'),"
    "function(h){return h.textContent;})",
    "marks": "document.querySelectorAll('#timeline-svg circle.mark').length",
    "lanes": "document.querySelectorAll('#timeline-svg rect.lane').length",
    "external": "document.querySelectorAll('[src],[href^=http]').length",
    "sorting": PRINCIPALS_EVENTS,
    "filter": FILTER,
}


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    loaded = load_rules([ROOT / "rules"])
    rules, _ = replayable_rules([r.rule for r in loaded.rules])
    report = investigate([ROOT / "fixtures"], rules)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


def test_report_opens_without_errors_and_works(page: Path) -> None:
    assert BINARY is not None
    result = load_page(BINARY, page, CHECKS)
    assert result.errors == []
    values = result.values
    assert values["ready"] == "1"
    assert all(v in ("yes", "partly", "no") for v in values["questions"]), values["questions"]
    assert [h.split(".")[0] for h in values["headings"]] == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    assert values["marks"] > 50 and values["lanes"] >= 30
    assert values["external"] == 0
    sorting = values["sorting"]
    assert sorting["header"].startswith("events")
    assert sorting["up"] == sorted(sorting["up"]) and sorting["down"] == sorted(
        sorting["down"], reverse=True
    )
    assert sorting["up"] != sorting["down"] and sorting["sort"] == "descending"
    assert 0 < values["filter"]["shown"] < values["filter"]["all"]


def test_the_harness_sees_errors(tmp_path: Path) -> None:
    """A control: the same harness reports a broken page, so a clean result means clean."""
    assert BINARY is not None
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>"
        '<img src="https://example.com/x.png"><script>console.error("boom");'
        "missingFunction();</script></body></html>"
    )
    errors = load_page(BINARY, broken, {}).errors
    assert any("Content Security Policy" in e for e in errors), errors
    assert any("boom" in e for e in errors) and any("missingFunction" in e for e in errors)


def test_the_sessions_section_of_an_investigated_principal(tmp_path: Path) -> None:
    """With --principal, the page has a ``sessions`` section (and a link to it) whose
    table lists every followed session and sorts like the others."""
    from test_investigate_sessions import incident, write

    from sigmaq.investigate.runner import InvestigateOptions

    options = InvestigateOptions(principal="AKIAIOSFODNN7EXAMPLE")
    report = investigate([write(tmp_path / "trail", incident())], [], options)
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    checks = {
        "rows": "Array.prototype.map.call(document.querySelectorAll("
        "'#sessions table.sortable tbody tr'),function(r){return r.cells[0].textContent;})",
        "nav": "document.querySelectorAll('nav a[href=\"#sessions\"]').length",
    }
    assert BINARY is not None
    result = load_page(BINARY, path, checks)
    assert result.errors == []
    assert sorted(result.values["rows"]) == sorted(s.session for s in report.followed_sessions)
    assert len(result.values["rows"]) == 3 and result.values["nav"] == 1
