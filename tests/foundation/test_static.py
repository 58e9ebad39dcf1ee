"""Static assets: vendored, served from our own origin, and collectable by the production storage."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

BASE_DIR = settings.BASE_DIR
VENDOR = BASE_DIR / "static" / "vendor"
VENDORED = [
    "bootstrap/bootstrap.min.css",
    "bootstrap/bootstrap.rtl.min.css",
    "bootstrap/bootstrap.bundle.min.js",
    "bootstrap/LICENSE",
    "plotly/plotly-basic.min.js",
    "plotly/LICENSE",
    "README.md",
]
EXTERNAL_ASSET = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|<link\b[^>]*?\bhref\s*=\s*[\"']?\s*(?:https?:)?//",
    re.IGNORECASE | re.DOTALL,
)
STATIC_TAG = re.compile(r"""{%\s*static\s+["']([^"']+)["']""")


def template_files():
    roots = [BASE_DIR / "templates"] + [
        path for path in BASE_DIR.glob("*/templates") if not path.parts[-2].startswith(".")
    ]
    return sorted(path for root in roots for path in root.rglob("*.html"))


@pytest.mark.parametrize("name", VENDORED)
def test_vendored_file_exists(name):
    path = VENDOR / name
    assert path.is_file() and path.stat().st_size > 0, f"missing {path}"


@pytest.mark.parametrize("name", [name for name in VENDORED if name.endswith((".js", ".css"))])
def test_vendored_file_refers_to_no_source_map(name):
    # The .map files are not vendored; the manifest storage fails on a reference to a missing file.
    assert "sourceMappingURL" not in (VENDOR / name).read_text(encoding="utf-8")


def test_vendor_readme_states_the_versions():
    readme = (VENDOR / "README.md").read_text()
    bootstrap = re.search(r"Bootstrap\s+v(\d+\.\d+\.\d+)", (VENDOR / "bootstrap/bootstrap.min.css").read_text())
    plotly = re.search(
        r"plotly\.js (?:\(basic - minified\) )?v(\d+\.\d+\.\d+)",
        (VENDOR / "plotly/plotly-basic.min.js").read_text()[:500],
    )
    assert bootstrap and plotly
    assert f"Bootstrap {bootstrap[1]}" in readme
    assert f"plotly.js {plotly[1]}" in readme


def test_vendored_plotly_js_matches_the_python_plotly_major_version():
    from plotly.offline import get_plotlyjs_version

    vendored = re.search(
        r"plotly\.js (?:\(basic - minified\) )?v(\d+)\.", (VENDOR / "plotly/plotly-basic.min.js").read_text()[:500]
    )[1]
    assert vendored == get_plotlyjs_version().split(".")[0], (
        "re-vendor plotly-basic.min.js: see static/vendor/README.md"
    )


def test_templates_load_no_script_or_stylesheet_from_another_origin():
    offenders = []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        for match in EXTERNAL_ASSET.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{path.relative_to(BASE_DIR)}:{line}: {match.group(0)[:80]}")
    assert not offenders, "external scripts/stylesheets (vendor them under static/vendor/):\n" + "\n".join(offenders)


def test_static_files_named_in_templates_exist():
    missing = []
    for path in template_files():
        for name in STATIC_TAG.findall(path.read_text(encoding="utf-8")):
            if not finders.find(name):
                missing.append(f"{path.relative_to(BASE_DIR)}: {name}")
    assert not missing, "{% static %} names with no file:\n" + "\n".join(missing)


def test_collectstatic_succeeds_with_the_production_storage(tmp_path):
    """What the Docker build runs: hashed names and compression (DEBUG off)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="iscm_survey.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="collectstatic-test-" + "x" * 40,
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/plotly/plotly-basic.min.js" in manifest
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in manifest
