"""A small threaded HTTP load client (http.client; no dependency): browsers with cookies and CSRF tokens.

Each `FocalPoint` is one browser of one ISCM's focal point: it logs in once (before the timed phase),
then, for campaign after campaign, does what a person does in the response form:
GET form → POST "Save draft" (→ form again) → POST "Submit" (→ review page) → POST "Confirm" (→ the
submitted copy), following redirects as a browser does. Once a campaign's response is submitted, a
later round on it is a re-submission: GET form → POST "Submit again" → review → confirm (a submitted
response cannot go back to draft). Every request's latency is recorded by kind; the answers of the last
confirmed submission per campaign are kept to check the database afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from .answers import AnswerMaker, form_fields

CSRF_PATTERN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_PATTERN = re.compile(r'name="version" value="(\d+)"')


class FlowError(Exception):
    """The server answered something a browser would not expect at this step."""


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int  # 0: no answer (connection error, timeout)


@dataclass
class Reply:
    status: int
    location: str
    body: str


class Browser:
    """One user agent: a connection (reopened when the server closes it) and a cookie jar."""

    def __init__(self, host: str, port: int, *, timeout: float = 60.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.samples: list[Sample] = []

    def request(self, kind: str, method: str, path: str, form: list[tuple[str, str]] | None = None) -> Reply:
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "iscm-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.samples.append(Sample(kind, time.perf_counter() - start, 0))
            self.connection.close()
            raise FlowError(f"{method} {path}: {type(error).__name__}: {error}") from error
        self.samples.append(Sample(kind, time.perf_counter() - start, response.status))
        for header in response.headers.get_all("Set-Cookie") or []:
            self._remember(header)
        if response.will_close:
            self.connection.close()
        location = response.headers.get("Location", "")
        return Reply(
            response.status, urlsplit(location).path if location else "", data.decode("utf-8", "replace")
        )

    def _remember(self, header: str) -> None:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"] or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def follow(self, reply: Reply, kind: str) -> Reply:
        """A browser follows a redirect with a GET."""
        if reply.status not in (301, 302, 303):
            raise FlowError(f"expected a redirect, got {reply.status}")
        return self.request(kind, "GET", reply.location)

    def login(self, username: str, password: str) -> None:
        page = self.request("login", "GET", "/accounts/login/")
        reply = self.request(
            "login",
            "POST",
            "/accounts/login/",
            [
                ("csrfmiddlewaretoken", _token(page)),
                ("username", username),
                ("password", password),
                ("next", ""),
            ],
        )
        if reply.status != 302 or "sessionid" not in self.cookies:
            raise FlowError(f"login of {username} failed ({reply.status})")

    def close(self) -> None:
        self.connection.close()


def _token(reply: Reply) -> str:
    match = CSRF_PATTERN.search(reply.body)
    if not match:
        raise FlowError(f"no CSRF token in the page ({reply.status})")
    return match.group(1)


def _version(reply: Reply) -> str:
    match = VERSION_PATTERN.search(reply.body)
    if not match:
        raise FlowError(f"no version field in the page ({reply.status})")
    return match.group(1)


@dataclass
class FocalPoint:
    """One focal point of one ISCM, working through `campaigns` in turn until told to stop."""

    host: str
    port: int
    username: str
    password: str
    acronym: str
    campaigns: list[str]
    seed: int
    browser: Browser = field(init=False)
    confirmed: dict[str, dict[str, object]] = field(default_factory=dict)  # campaign → last confirmed answers
    uncertain: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # sent, outcome unknown
    submitted: set[str] = field(default_factory=set)
    submissions: int = 0
    drafts: int = 0
    # Seconds of each completed submission round: form → Submit → review → Confirm → submitted copy (what a
    # person waits through to submit; a first round's draft save comes before it and is not counted).
    rounds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.browser = Browser(self.host, self.port)

    def login(self) -> None:
        self.browser.login(self.username, self.password)

    def run(self, maker: AnswerMaker, stop: threading.Event) -> None:
        rng = random.Random(self.seed)
        turn = 0
        while not stop.is_set():
            slug = self.campaigns[turn % len(self.campaigns)]
            turn += 1
            try:
                self.round(slug, maker, rng)
            except FlowError as error:
                self.errors.append(f"{self.acronym} {slug}: {error}")

    def round(self, slug: str, maker: AnswerMaker, rng: random.Random) -> None:
        browser = self.browser
        path = f"/campaigns/{slug}/respond/{self.acronym}/"
        started = time.perf_counter()
        form = browser.request("form", "GET", path)
        if form.status != 200:
            raise FlowError(f"form answered {form.status}")
        answers = maker.answers(rng)
        if slug not in self.submitted:
            draft = maker.answers(rng, complete=False)
            reply = browser.request(
                "draft",
                "POST",
                path,
                [("csrfmiddlewaretoken", _token(form)), ("version", _version(form)), ("action", "draft")]
                + form_fields(draft),
            )
            if reply.location != path:
                raise FlowError(f"draft answered {reply.status} → {reply.location!r}")
            started = time.perf_counter()
            form = browser.follow(reply, "form")
            self.drafts += 1
        reply = browser.request(
            "submit",
            "POST",
            path,
            [("csrfmiddlewaretoken", _token(form)), ("version", _version(form)), ("action", "submit")]
            + form_fields(answers),
        )
        if reply.location != f"{path}review/":
            raise FlowError(f"submit answered {reply.status} → {reply.location!r}")
        review = browser.follow(reply, "review")
        self.uncertain.setdefault(slug, []).append(answers)
        reply = browser.request(
            "confirm",
            "POST",
            f"{path}review/",
            [("csrfmiddlewaretoken", _token(review)), ("version", _version(review))],
        )
        if reply.location != f"{path}submitted/":
            raise FlowError(f"confirm answered {reply.status} → {reply.location!r}")
        self.confirmed[slug] = answers
        self.uncertain[slug] = []
        self.submitted.add(slug)
        self.submissions += 1
        browser.follow(reply, "submitted")
        self.rounds.append(time.perf_counter() - started)


def hammer(host: str, port: int, path: str, *, clients: int, seconds: float) -> tuple[list[Sample], float]:
    """The floor: `clients` threads GETting `path` as fast as they can for `seconds`."""
    stop = threading.Event()
    browsers = [Browser(host, port) for _ in range(clients)]

    def loop(browser: Browser) -> None:
        while not stop.is_set():
            with contextlib.suppress(FlowError):  # counted as an error in the samples
                browser.request("healthz", "GET", path)

    threads = [threading.Thread(target=loop, args=(browser,), daemon=True) for browser in browsers]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - start
    for browser in browsers:
        browser.close()
    return [sample for browser in browsers for sample in browser.samples], elapsed


def workflow(
    focal_points: list[FocalPoint], maker: AnswerMaker, *, seconds: float
) -> tuple[list[Sample], float]:
    """Every focal point in its own thread for `seconds` (rounds under way are finished)."""
    stop = threading.Event()
    threads = [threading.Thread(target=point.run, args=(maker, stop), daemon=True) for point in focal_points]
    for point in focal_points:
        point.browser.samples.clear()
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - start
    return [sample for point in focal_points for sample in point.browser.samples], elapsed
