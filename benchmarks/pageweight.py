"""Page weight: bytes transferred for a first and a repeat visit of the focal point's form, the dashboard
and the report; time to the first chart over a throttled connection; the report PDF's rendering time
with the partial plotly.js bundle against the full one.

`python -m benchmarks.pageweight` (part of `make bench`). Production settings (DEBUG off, the hashed and
compressed static files of `collectstatic`, gunicorn), the bundled demo in a throwaway SQLite database
under var/bench/pageweight/, Debian's Chromium driven by Playwright, sizes read from the Chrome DevTools
protocol (`encodedDataLength`: bytes on the wire, headers included). Results: var/bench/pageweight.json
and the page-weight section of docs/benchmarks.md (between its markers).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import PYTHON, ROOT, BenchContext, machine_description
from .run import bench_environment

PAGES = {
    # name: (login, path)
    "form": ("fp-midwa@example.org", "/campaigns/iscm-followup-open/respond/MIDWA/"),
    "dashboard": ("coordinator@example.org", "/campaigns/iscm-contributions-2023/dashboard/"),
    "report": ("coordinator@example.org", "/campaigns/iscm-contributions-2023/report/"),
}
TARGETS = {"form": 150_000, "dashboard": 1_500_000, "repeat": 50_000}
# The throttled connection of the issue: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip.
THROTTLE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
FIRST_CHART = """
new MutationObserver((changes, observer) => {
  if (document.querySelector('.js-plotly-plot .main-svg')) {
    window.firstChartMs = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""
MARKERS = ("<!-- pageweight:start -->", "<!-- pageweight:end -->")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pageweight", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default=str(ROOT / "var" / "bench" / "pageweight"))
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs per figure (median reported).")
    parser.add_argument("--docs", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--no-docs", action="store_true")
    return parser.parse_args(argv)


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=900)


class Wire:
    """Bytes on the wire of one tab, from the DevTools protocol (cache hits count 0)."""

    def __init__(self, context, page):
        self.session = context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.total = 0
        self.requests = 0
        self.session.on("Network.loadingFinished", self._finished)

    def _finished(self, event: dict[str, Any]) -> None:
        self.total += int(event["encodedDataLength"])
        self.requests += 1 if event["encodedDataLength"] else 0

    def reset(self) -> None:
        self.total = 0
        self.requests = 0


def _logged_in_tab(browser, base: str, login: str):
    """A fresh context (empty cache) signed in as `login`, and a new tab whose cache is empty too."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(FIRST_CHART)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state("load")
    page.context.new_cdp_session(page).send("Network.clearBrowserCache")
    page.close()
    return context, context.new_page()


def _visit(page, url: str) -> None:
    page.goto(url, wait_until="load")
    if page.locator("[data-figure]").count():
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-figure]')].every(e => e.classList.contains('js-plotly-plot'))"
        )
    # Late requests (fonts, chart images) finish; not "networkidle": the report page may poll.
    page.wait_for_timeout(1000)


def measure_transfer(browser, base: str) -> dict[str, Any]:
    results = {}
    for name, (login, path) in PAGES.items():
        context, page = _logged_in_tab(browser, base, login)
        wire = Wire(context, page)
        _visit(page, base + path)
        first, first_requests = wire.total, wire.requests
        wire.reset()
        _visit(page, base + path)  # a later visit: hashed static files come from the browser's cache
        results[name] = {
            "first_bytes": first,
            "first_requests": first_requests,
            "repeat_bytes": wire.total,
            "repeat_requests": wire.requests,
        }
        context.close()
    return results


def measure_first_chart(browser, base: str, repeat: int) -> dict[str, Any]:
    login, path = PAGES["dashboard"]
    times = []
    for _ in range(repeat):
        context, page = _logged_in_tab(browser, base, login)
        context.new_cdp_session(page).send("Network.emulateNetworkConditions", THROTTLE)
        page.goto(base + path, wait_until="commit")
        page.wait_for_function("() => window.firstChartMs !== undefined", timeout=120_000)
        times.append(page.evaluate("window.firstChartMs") / 1000)
        context.close()
    return {"median": statistics.median(times), "runs": times}


def measure_report_pdf(repeat: int) -> dict[str, Any]:
    """render_pdf of the demo's report: the vendored partial bundle, then the Python package's full one."""
    import plotly

    from analytics import report_render
    from analytics.report import report_compose, report_data
    from questionnaires.models import Campaign

    report = report_compose(report_data(Campaign.objects.get(slug="iscm-contributions-2023")))
    full_bundle = str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js")
    partial_path = report_render._static_path
    results = {}
    for label, path_of in (
        ("basic", partial_path),
        ("full", lambda name: full_bundle if name.startswith("vendor/plotly/") else partial_path(name)),
    ):
        report_render._static_path = path_of
        try:
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                report_render.render_pdf(report)
                runs.append(time.perf_counter() - started)
        finally:
            report_render._static_path = partial_path
        results[label] = {"median": statistics.median(runs), "runs": runs}
    return results


def _kb(value: int) -> str:
    return f"{value / 1000:,.1f} KB"


def report_markdown(results: dict[str, Any]) -> str:
    transfer = results["transfer"]
    machine = results["machine"]
    lines = [
        MARKERS[0],
        f"Run {results['when']}: {machine['cores']} cores, load average {machine['load_average']}, "
        "production settings (gunicorn, WhiteNoise's hashed and compressed files, pages gzipped), Chromium.",
        "",
        "| Page | First visit | Requests | Repeat visit | Requests | Target |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in PAGES:
        row = transfer[name]
        target = (
            f"first < {_kb(TARGETS[name])}, repeat < {_kb(TARGETS['repeat'])}"
            if name in TARGETS
            else f"repeat < {_kb(TARGETS['repeat'])}"
        )
        lines.append(
            f"| {name} | {_kb(row['first_bytes'])} | {row['first_requests']} | {_kb(row['repeat_bytes'])} "
            f"| {row['repeat_requests']} | {target} |"
        )
    chart = results["first_chart"]
    pdf = results["report_pdf"]
    lines += [
        "",
        f"Time to the first chart of the dashboard, first visit at 1.6 Mbit/s and 150 ms: "
        f"**{chart['median']:.1f} s** (median of {', '.join(f'{t:.1f}' for t in chart['runs'])} s).",
        "",
        f"Report PDF (`render_pdf`, the demo's 2023 report): **{pdf['basic']['median']:.1f} s** with the partial "
        f"bundle, {pdf['full']['median']:.1f} s with the full plotly.js (medians of {len(pdf['basic']['runs'])}).",
        MARKERS[1],
    ]
    return "\n".join(lines)


def docs_update(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.find(MARKERS[0]), text.find(MARKERS[1])
    if start == -1 or end == -1:
        raise RuntimeError(f"{path} has no {MARKERS[0]} … {MARKERS[1]} section")
    path.write_text(text[:start] + section + text[end + len(MARKERS[1]) :], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = bench_environment(f"sqlite:///{workdir / 'pageweight.sqlite3'}", workdir)
    env.update({"DJANGO_MANIFEST_STATIC": "1", "LOG_LEVEL": "WARNING"})  # hashed, compressed static files
    os.environ.update(env)
    for command in (("migrate", "--noinput"), ("load_demo",), ("compile_catalogues",), ("collectstatic", "--noinput")):
        _manage(env, *command)

    import django
    from playwright.sync_api import sync_playwright

    django.setup()
    from .load import HOST, Servers  # imports models: after the settings are chosen

    ctx = BenchContext(sizes=[0], workdir=workdir, env=env, web_workers=2)
    results: dict[str, Any] = {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_description(None),
    }
    with Servers(ctx) as servers, sync_playwright() as playwright:
        base = f"http://{HOST}:{servers.port}"
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=CHROMIUM_ARGS
        )
        try:
            results["transfer"] = measure_transfer(browser, base)
            results["first_chart"] = measure_first_chart(browser, base, args.repeat)
        finally:
            browser.close()
    results["report_pdf"] = measure_report_pdf(args.repeat)

    (workdir.parent / "pageweight.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    section = report_markdown(results)
    sys.stdout.write(section + "\n")
    if not args.no_docs:
        docs_update(Path(args.docs), section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
