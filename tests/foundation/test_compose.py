"""docker-compose.yml, .env.example and the configuration table agree with each other and with the settings.

No Docker engine runs here: the stack itself is not started, but Debian's docker-compose validates
the file when it is installed.
"""

import re
import shutil
import subprocess

import pytest
from django.conf import settings

yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (the dev extras should bring it)")

BASE_DIR = settings.BASE_DIR
APP_SERVICES = ("web", "worker", "beat")
ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
SETTINGS_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|env_bool|env_list)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
TABLE_ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def env_example_names() -> set[str]:
    """Variables of .env.example, set or shown commented out at their default (`# NAME=value`)."""
    return set(ENV_LINE.findall((BASE_DIR / ".env.example").read_text()))


def test_the_stack_has_its_services(compose):
    assert {"db", "redis", "web", "worker", "beat"} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("name", ["db", "redis", "web"])
def test_services_that_others_wait_for_have_health_checks(compose, name):
    healthcheck = compose["services"][name].get("healthcheck")
    assert healthcheck and healthcheck.get("test"), f"{name} has no health check"


def test_the_web_health_check_asks_healthz(compose):
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_web_worker_and_beat_share_one_definition(compose):
    services = compose["services"]
    definitions = {name: (repr(services[name].get("build")), services[name].get("image")) for name in APP_SERVICES}
    assert len(set(definitions.values())) == 1, definitions
    assert services["web"].get("build"), "the application image is built from this repository"
    for name in APP_SERVICES:
        service = services[name]
        env_file = service.get("env_file")
        assert ".env" in ([env_file] if isinstance(env_file, str) else env_file), name
        for dependency in ("db", "redis"):
            assert service["depends_on"][dependency]["condition"] == "service_healthy", (name, dependency)
        environment = service["environment"]
        assert re.match(r"postgres(ql)?://[^@]+@db:5432/", environment["DATABASE_URL"]), name
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/"), name


def test_every_process_shares_one_cache_beside_the_broker(compose):
    """Sessions and API throttle counts in Redis, seen alike by every gunicorn worker; not in the broker's
    database (a flush of one must not touch the other)."""
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        cache, broker = environment["CACHE_URL"], environment["CELERY_BROKER_URL"]
        assert cache.startswith("redis://redis:6379/"), name
        assert cache.rsplit("/", 1)[1] != broker.rsplit("/", 1)[1], name


def test_each_process_runs_its_command(compose):
    services = compose["services"]
    web = " ".join(services["web"]["command"])
    assert "migrate --noinput" in web and "gunicorn iscm_survey.wsgi:application" in web
    assert web.index("migrate") < web.index("gunicorn")
    assert services["worker"]["command"][:4] == ["celery", "-A", "iscm_survey", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "iscm_survey", "beat"]


def test_env_example_lists_every_variable_the_settings_read():
    text = (BASE_DIR / "iscm_survey" / "settings.py").read_text()
    read = {a or b for a, b in SETTINGS_READ.findall(text)}
    assert read, "found no environment variable in settings.py: the pattern needs updating"
    missing = read - env_example_names()
    assert not missing, f"read by settings.py but not in .env.example: {sorted(missing)}"


def test_every_env_example_variable_is_documented():
    documented = set()
    for doc in (BASE_DIR / "README.md", BASE_DIR / "docs" / "configuration.md"):
        if doc.exists():
            documented |= set(TABLE_ROW.findall(doc.read_text()))
    missing = env_example_names() - documented
    assert not missing, f"in .env.example but in no configuration table: {sorted(missing)}"


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_docker_compose_accepts_the_file_with_the_example_env(tmp_path):
    shutil.copy(BASE_DIR / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(BASE_DIR / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
