"""Deadline rush: provider users (two or three colleagues per organisation, editing the same answers)
log in over the run, autosave and submit, against the real stack (gunicorn with gunicorn.conf.py,
PostgreSQL or the embedded SQLite) over loopback; the same users in the same run also autosave to a
floor that does the same kind of work with nothing else (bench/floor_app.py). Not a test: run it by
hand; it exits 1 when anything failed or a target was missed, and prints which.

    .venv/bin/python bench/rush.py                          # 50, 100, ... 300 users, PostgreSQL
    .venv/bin/python bench/rush.py --users 30 --step 15 --ramp 10 --phase 10    # a short run
    .venv/bin/python bench/rush.py --sqlite                 # embedded SQLite: 10, 20, ... 50 users
    .venv/bin/python bench/rush.py --self-test              # faults injected: must report them, exit 1
    .venv/bin/python bench/rush.py --timeline rush.csv      # also every request's moment, time and outcome

The run, per level of active users (--step, up to --users): a login phase (the level's new users
log in at random moments of --ramp seconds while the others keep saving, and a tenth of the active
users submit a revision), then four measured phases of --phase seconds, A/B/A/B: in A every active
user autosaves to the app, in B to the floor, at the same pace (--interval seconds, +/- 40 %). At
the end every user stops saving and submits (the deadline), and the database is checked.

Errors: every 5xx, transport error, timeout (--timeout; a login is never re-sent while its first
attempt may still run) and unexpected reply is an error, counted at its full duration in the
latencies. A failed save is re-sent (a person would save again), each failed attempt stays an
error and the re-sends are reported. A 409 conflict is what a browser gets when a colleague saved
first: the client takes the stored version from the reply and saves its own text again (a new save).

Checks at the end (app and floor): per answer, every acknowledged save raised the version by one
over the version it was based on (nobody overwrote a text they had not seen), no two saves were
acknowledged as the same version, a save sent after another's acknowledgement got a higher version,
and the stored value is the one of the last acknowledged save. Every receipt a client received is
the stored one (number, code, digest) and holds, per answer, the last value acknowledged before the
submit was sent or a newer one acknowledged while it ran.

Targets: zero errors; app capacity (most users with autosave p95 <= 500 ms and no error) at least
half the floor's; at --users users, autosave p95 at most twice the floor's. PostgreSQL needs a
server at RUSH_PG (default postgresql+psycopg://postgres@127.0.0.1:5432); the run creates its own
database rush_<pid>_<random> and drops it at the end, as it removes its temporary directory and
stops its servers, also on an error or Ctrl-C.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import free_port, kill_one_worker, start_server, stop_server

__all__ = ["free_port", "main", "start_server", "stop_server"]

PASSWORD = "rush-password-2026"
SLUG = "rush"
THEMES = 4
LIMIT_MS = 500            # capacity: autosave p95 at most this, and no error
CAPACITY_TARGET = 0.5     # app capacity / floor capacity at least this
P95_TARGET = 2.0          # autosave p95 / floor p95 at --users users at most this
SAVE_ATTEMPTS = 3         # a failed save is sent at most this often
CONFLICT_ROUNDS = 5       # a save that keeps meeting colleagues' saves is given up after this
LOGIN_TIMEOUT = 120       # above gunicorn's own timeout: a login attempt is over when we give up

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
VERSION = re.compile(r'name="v-(\d+)" id="v-\d+" value="(\d+)"')
RECEIPT = re.compile(r'id="receipt-code">\s*([0-9A-Fa-f-]+)\s*<')
SUBMISSION = re.compile(r"/responses/(\d+)/submissions/(\d+)$")
WORDS = ["zorg", "wijk", "cliënt", "budget", "uren", "aanbieder", "gemeente", "team", "inzet", "resultaat"]


# --- what the run creates, and removes again ---------------------------------------------------

class Resources:
    """The run's temporary directory, database and servers; ``close`` removes them all."""

    def __init__(self, keep: bool):
        self.keep = keep
        self.workdir = Path(tempfile.mkdtemp(prefix="consult-rush-"))
        self.pg_admin: str | None = None
        self.db_name: str | None = None
        self.servers: list = []
        self.closed = False

    def database(self, sqlite: bool) -> str:
        if sqlite:
            return f"sqlite:///{self.workdir / 'rush.db'}"
        import psycopg

        base = os.environ.get("RUSH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
        self.pg_admin = base.replace("+psycopg", "") + "/postgres"
        name = f"rush_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.db_name = name
        return f"{base}/{name}"

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for server in self.servers:
            stop_server(server)
        if self.db_name:
            import psycopg

            try:
                with psycopg.connect(self.pg_admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            except psycopg.Error as problem:
                print(f"could not drop database {self.db_name}: {problem}", file=sys.stderr)
        if self.keep:
            print(f"kept {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


# --- the data ------------------------------------------------------------------------------------

@dataclass
class Person:
    n: int
    email: str
    org_id: int
    pool: list[int]          # the questions this organisation's people work on
    lane: list[int]          # the ones this person mostly works on (a colleague sometimes takes one)


@dataclass
class Built:
    people: list[Person]
    org_ids: list[int]
    theme_of: dict[int, int]  # question id -> theme id


def build(url: str, workdir: Path, users: int, questions: int, pool: int, rng: random.Random):
    """A fresh schema (by the migrations), one open consultation, organisations of 3, 2, 3, 2 ...
    provider users, and the floor's table. Returns the app (used again for the checks) and the data."""
    os.environ.update(DATABASE_URL=url, INSTANCE_DIR=str(workdir), SECRET_KEY="rush")
    from flask_migrate import upgrade

    from consult import create_app
    from consult.auth.models import User
    from consult.auth.passwords import hash_password
    from consult.consultations.models import (
        Consultation,
        Question,
        QuestionKind,
        Status,
        Theme,
    )
    from consult.core.time import utcnow
    from consult.extensions import db
    from consult.orgs.models import MemberRole, Membership, Organisation, OrgKind

    app = create_app("development")
    with app.app_context():
        upgrade()
        consultation = Consultation(slug=SLUG, title="Marktconsultatie Wmo (rush)", status=Status.OPEN,
                                    principles=[], closes_at=utcnow() + timedelta(days=1),
                                    published_at=utcnow())
        per_theme = -(-questions // THEMES)
        for t in range(THEMES):
            theme = Theme(title=f"Thema {t + 1}", position=t)
            for q in range(per_theme):
                if t * per_theme + q < questions:
                    theme.questions.append(Question(text=f"Vraag {t + 1}.{q + 1}?", kind=QuestionKind.OPEN,
                                                    position=q))
            consultation.themes.append(theme)
        db.session.add(consultation)
        password_hash = hash_password(PASSWORD)
        now = utcnow()
        members: list[tuple[User, Organisation]] = []
        orgs: list[Organisation] = []
        n = 0
        while n < users:
            org = Organisation(kind=OrgKind.PROVIDER, name=f"Aanbieder {len(orgs)}",
                               kvk_number=f"{10_000_000 + len(orgs)}")
            orgs.append(org)
            for k in range(min(3 if len(orgs) % 2 else 2, users - n)):
                user = User(email=f"rush{n}@example.org", name=f"Gebruiker {n}", password_hash=password_hash,
                            email_verified_at=now)
                db.session.add(Membership(user=user, organisation=org,
                                          role=MemberRole.CONTACT if k == 0 else MemberRole.MEMBER))
                members.append((user, org))
                n += 1
        db.session.add_all(orgs)
        db.session.commit()
        question_ids = [q.id for t in consultation.themes for q in t.questions]
        theme_of = {q.id: t.id for t in consultation.themes for q in t.questions}
        pools = {org.id: sorted(rng.sample(question_ids, min(pool, len(question_ids)))) for org in orgs}
        colleagues = defaultdict(list)
        for user, org in members:
            colleagues[org.id].append(user)
        people = []
        for i, (user, org) in enumerate(members):
            index, count = colleagues[org.id].index(user), len(colleagues[org.id])
            people.append(Person(i, user.email, org.id, pools[org.id], pools[org.id][index::count]))
        org_ids = [org.id for org in orgs]
        db.session.remove()
        db.engine.dispose()
    from bench.floor_app import create_floor_rows

    create_floor_rows(url, org_ids, question_ids)
    return app, Built(people, org_ids, theme_of)


# --- what happened -------------------------------------------------------------------------------

@dataclass
class Attempt:
    side: str        # "app" or "floor"
    endpoint: str
    level: int
    phase: str       # "login 50", "A1", "B1", "A2", "B2", "deadline"
    duration: float
    outcome: str     # "ok", "conflict" or "error"
    detail: str = ""
    at: float = 0.0  # when it was sent, seconds since the first level began


@dataclass
class Ack:
    """A save the client was told is stored."""
    side: str
    key: tuple[int, int]   # (response id, question id) in the app, (organisation id, question id) on the floor
    value: str
    base: int
    version: int
    changed: bool          # False: "already saved, nothing has changed" (a re-sent save that had been stored)
    sent: float
    received: float
    who: str


@dataclass
class Receipt:
    response_id: int
    number: int
    code: str
    sent: float
    received: float
    who: str


@dataclass
class Run:
    args: argparse.Namespace
    app_base: str
    floor_base: str
    started: float = field(default_factory=time.perf_counter)
    level: int = 0
    phase: str = "login"
    side: str = "app"              # where autosaves go now
    stopping: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    unacked: list[tuple[str, tuple[int, int], str, float]] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    counters: Counter = field(default_factory=Counter)
    submit_wanted: set[int] = field(default_factory=set)
    lags: list[tuple[str, float]] = field(default_factory=list)

    def now(self) -> float:
        return time.perf_counter() - self.started


# --- one simulated person ------------------------------------------------------------------------

class Failed(Exception):
    pass


class User:
    def __init__(self, person: Person, run: Run, theme_of: dict[int, int]):
        self.person, self.run, self.theme_of = person, run, theme_of
        self.name = person.email.split("@")[0]
        self.response_id: int | None = None
        self.tokens: dict[str, str] = {}
        self.versions: dict[str, dict[int, int]] = {"app": {}, "floor": {}}
        self.saves = 0
        self.logged_in = asyncio.Event()
        no_keepalive = httpx.Limits(max_keepalive_connections=0)  # gunicorn closes idle ones after 2 s
        options = {"timeout": httpx.Timeout(run.args.timeout), "limits": no_keepalive,
                   "verify": False}  # plain HTTP over loopback: no TLS context per client to build
        # Each organisation has its own address (its office), passed on as a load balancer does
        # (the app server runs with PROXY_COUNT=1); --one-address sends everything from loopback.
        address = {} if run.args.one_address else {
            "X-Forwarded-For": f"10.{person.org_id // 65536 % 256}.{person.org_id // 256 % 256}.{person.org_id % 256}"}
        self.clients = {"app": httpx.AsyncClient(base_url=run.app_base, headers=address, **options),
                        "floor": httpx.AsyncClient(base_url=run.floor_base, **options)}

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def request(self, side: str, endpoint: str, method: str, url: str, expect: tuple[int, ...],
                      check=None, timeout: float | None = None, **kwargs) -> httpx.Response:
        """One attempt, timed whatever its outcome; raises Failed after recording an error."""
        run = self.run
        level, phase = run.level, run.phase
        began = time.perf_counter()
        detail = ""
        try:
            extra = {"timeout": timeout} if timeout else {}
            response = await self.clients[side].request(method, url, **extra, **kwargs)
        except httpx.TimeoutException:
            detail = "timeout"
        except httpx.TransportError as problem:
            detail = f"transport {problem.__class__.__name__}"
        duration = time.perf_counter() - began
        if not detail:
            if response.status_code >= 500:
                detail = f"status {response.status_code}"
            elif response.status_code not in expect:
                detail = f"unexpected status {response.status_code}"
            elif check is not None and not check(response):
                detail = "unexpected reply"
            elif duration > run.args.timeout:  # a login that was left to finish
                detail = "slower than the timeout"
        outcome = "error" if detail else ("conflict" if response.status_code == 409 else "ok")
        run.attempts.append(Attempt(side, endpoint, level, phase, duration, outcome, detail, began - run.started))
        if detail:
            raise Failed(f"{side} {endpoint}: {detail}")
        return response

    async def login(self) -> None:
        """Log in to the app and open the form; then the floor's equivalent (one cheap request).
        Each step waits for its answer: nothing is re-sent while an attempt may still be running."""
        app = "app"

        def has_csrf(r):
            return CSRF.search(r.text) is not None

        page = await self.request(app, "GET /login", "GET", "/login", (200, 302),
                                  lambda r: r.status_code == 302 or has_csrf(r))
        if page.status_code == 200:  # 302: still logged in from an attempt that failed at a later step
            await self.request(
                app, "POST /login", "POST", "/login", (302,),
                lambda r: "/login" not in r.headers.get("Location", "/login"), timeout=LOGIN_TIMEOUT,
                data={"csrf_token": CSRF.search(page.text).group(1), "email": self.person.email, "password": PASSWORD})
        page = await self.request(app, "GET consultation", "GET", f"/consultations/{SLUG}", (200,), has_csrf)
        started = await self.request(app, "POST respond", "POST", f"/consultations/{SLUG}/respond", (302,),
                                     lambda r: re.search(r"/responses/\d+$", r.headers.get("Location", "")),
                                     data={"csrf_token": CSRF.search(page.text).group(1)})
        self.response_id = int(started.headers["Location"].rsplit("/", 1)[1])
        await self.request(app, "GET response", "GET", f"/responses/{self.response_id}", (200,))
        for theme_id in sorted({self.theme_of[q] for q in self.person.pool}):
            page = await self.request(app, "GET theme", "GET", f"/responses/{self.response_id}/themes/{theme_id}",
                                      (200,), has_csrf)
            self.versions[app].update({int(q): int(v) for q, v in VERSION.findall(page.text)})
        self.tokens[app] = CSRF.search(page.text).group(1)
        page = await self.request("floor", "GET floor login", "GET", "/floor/login", (200,), has_csrf,
                                  params={"user": self.name, "org": self.person.org_id})
        self.versions["floor"].update({int(q): int(v) for q, v in VERSION.findall(page.text)})
        self.tokens["floor"] = CSRF.search(page.text).group(1)

    async def autosave(self) -> None:
        """One save of one answer, as the browser does it: re-sent after a failure (each failed
        attempt an error), and after a 409 saved again from the colleague's version."""
        run, side = self.run, self.run.side
        question = random.choice(self.person.pool if random.random() < 0.2 else self.person.lane)
        self.saves += 1
        value = (f"{self.name} save {self.saves} q{question}: "
                 + " ".join(random.choice(WORDS) for _ in range(random.randint(5, 60))))
        key = (self.response_id if side == "app" else self.person.org_id, question)
        url = (f"/responses/{self.response_id}/answers/{question}" if side == "app"
               else f"/floor/answers/{question}")
        failures = conflicts = 0
        while True:
            base = self.versions[side].get(question, 0)
            sent = run.now()
            try:
                reply = await self.request(side, "POST autosave", "POST", url, (200, 409),
                                           lambda r: VERSION.search(r.text) is not None,
                                           data={"csrf_token": self.tokens[side], f"q-{question}": value,
                                                 f"v-{question}": str(base)},
                                           headers={"HX-Request": "true"})
            except Failed:
                run.unacked.append((side, key, value, sent))
                failures += 1
                if failures >= SAVE_ATTEMPTS or run.stopping:
                    run.counters[f"{side} saves given up after errors"] += 1
                    return
                run.counters[f"{side} saves re-sent after an error"] += 1
                await asyncio.sleep(failures)
                continue
            version = int(VERSION.search(reply.text).group(2))
            self.versions[side][question] = version
            if reply.status_code == 409:
                conflicts += 1
                if conflicts >= CONFLICT_ROUNDS:
                    run.counters[f"{side} saves given up after {CONFLICT_ROUNDS} conflicts"] += 1
                    return
                run.counters[f"{side} saves repeated after a conflict"] += 1
                continue
            run.acks.append(Ack(side, key, value, base, version, "data-already-saved" not in reply.text,
                                sent, run.now(), self.name))
            return

    async def submit(self) -> None:
        """Review, submit (re-sent after a failure: submitting is idempotent), read the receipt."""
        run = self.run
        for attempt in range(SAVE_ATTEMPTS):
            try:
                page = await self.request("app", "GET review", "GET", f"/responses/{self.response_id}/review",
                                          (200,), lambda r: CSRF.search(r.text) is not None)
                sent = run.now()
                done = await self.request(
                    "app", "POST submit", "POST", f"/responses/{self.response_id}/review", (302,),
                    lambda r: SUBMISSION.search(r.headers.get("Location", "")) is not None,
                    data={"csrf_token": CSRF.search(page.text).group(1), "publication": "named", "confirm": "1"})
                received = run.now()
                location = done.headers["Location"]
                receipt = await self.request("app", "GET receipt", "GET", location, (200,),
                                             lambda r: RECEIPT.search(r.text) is not None)
            except Failed:
                if attempt + 1 < SAVE_ATTEMPTS:
                    run.counters["submits re-sent after an error"] += 1
                    await asyncio.sleep(attempt + 1)
                continue
            number = int(SUBMISSION.search(location).group(2))
            code = RECEIPT.search(receipt.text).group(1)
            run.receipts.append(Receipt(self.response_id, number, code, sent, received, self.name))
            return
        run.counters["submits given up after errors"] += 1

    async def live(self, delay: float) -> None:
        """Arrive, log in, then save every few seconds (and submit when asked) until the end."""
        run = self.run
        await asyncio.sleep(delay)
        for attempt in range(SAVE_ATTEMPTS):
            try:
                await self.login()
                break
            except Failed:
                if attempt + 1 == SAVE_ATTEMPTS:
                    run.counters["users who could not log in"] += 1
                    self.logged_in.set()
                    return
                run.counters["logins started again after an error"] += 1
                await asyncio.sleep(2 * (attempt + 1))
        self.logged_in.set()
        while not run.stopping:
            await asyncio.sleep(run.args.interval * random.uniform(0.6, 1.4))
            if run.stopping:
                break
            if self.person.n in run.submit_wanted:
                run.submit_wanted.discard(self.person.n)
                await self.submit()
            else:
                await self.autosave()


# --- the run -------------------------------------------------------------------------------------

async def watch_lag(run: Run) -> None:
    """How late the client's own event loop wakes up: if this grows, the client is the bottleneck."""
    while not run.stopping:
        began = time.perf_counter()
        await asyncio.sleep(0.1)
        run.lags.append((run.phase, time.perf_counter() - began - 0.1))


async def sample_connections(url: str, name: str, run: Run, peak: list[int]) -> None:
    import psycopg

    plain = url.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres"
    async with await psycopg.AsyncConnection.connect(plain, autocommit=True) as conn:
        peak.append((await (await conn.execute("SHOW max_connections")).fetchone())[0])
        highest = 0
        while not run.stopping:
            cursor = await conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,))
            highest = max(highest, (await cursor.fetchone())[0])
            await asyncio.sleep(0.5)
        peak.append(highest)


def phase_stats(run: Run, side: str, level: int, phases: tuple[str, ...], endpoint="POST autosave"):
    chosen = [a for a in run.attempts if a.side == side and a.level == level and a.phase in phases
              and a.endpoint == endpoint]
    others = [a for a in run.attempts if a.level == level and a.phase in phases and a.outcome == "error"
              and (a.side != side or a.endpoint != endpoint) and a.side == side]
    return Figures.of(chosen, extra_errors=len(others))


@dataclass
class Figures:
    count: int
    errors: int
    conflicts: int
    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, attempts: list[Attempt], extra_errors: int = 0) -> Figures:
        values = [a.duration for a in attempts]
        return cls(len(attempts), sum(a.outcome == "error" for a in attempts) + extra_errors,
                   sum(a.outcome == "conflict" for a in attempts),
                   percentile(values, 50) * 1000, percentile(values, 95) * 1000, percentile(values, 99) * 1000)

    def passes(self) -> bool:
        return self.count > 0 and self.errors == 0 and self.p95 <= LIMIT_MS

    def row(self, label: str) -> str:
        return (f"  {label:<22} {self.count:>7} {self.errors:>6} {self.conflicts:>9} {self.p50:>7.0f} "
                f"{self.p95:>7.0f} {self.p99:>7.0f}")


HEADER = f"  {'':<22} {'requests':>7} {'errors':>6} {'conflicts':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def drive(run: Run, people: list[Person], theme_of: dict[int, int], levels: list[int],
                app_server, results: dict[int, tuple[Figures, Figures]], url: str, db_name: str | None,
                peak: list[int]) -> None:
    args = run.args
    users = [User(p, run, theme_of) for p in people]
    run.started = time.perf_counter()
    lives: list[asyncio.Task] = []
    helpers = [asyncio.create_task(watch_lag(run))]
    if db_name:
        helpers.append(asyncio.create_task(sample_connections(url, db_name, run, peak)))
    try:
        for index, level in enumerate(levels):
            run.level, run.phase, run.side = level, f"login {level}", "app"
            active = users[:len(lives)]
            with_answers = {a.key[0] for a in run.acks if a.side == "app"}
            willing = [u for u in active if u.response_id in with_answers]
            run.submit_wanted.update(u.person.n for u in random.sample(willing, -(-len(willing) // 10)))
            newcomers = users[len(lives):level]
            lives += [asyncio.create_task(u.live(random.uniform(0, args.ramp))) for u in newcomers]
            print(f"[{run.now():6.0f} s] level {level}: {len(newcomers)} users log in over {args.ramp:g} s, "
                  f"{len(run.submit_wanted)} submit a revision", flush=True)
            await asyncio.sleep(args.ramp)
            waited = time.perf_counter()
            try:
                await asyncio.wait_for(asyncio.gather(*(u.logged_in.wait() for u in newcomers)), args.login_wait)
            except TimeoutError:
                late = sum(not u.logged_in.is_set() for u in newcomers)
                print(f"           {late} users still logging in after {args.login_wait:g} s more; the phases "
                      f"start without them (they join when logged in)")
            if time.perf_counter() - waited > 1:
                print(f"           logins ran {time.perf_counter() - waited:.0f} s past the login phase")
            for phase, side in (("A1", "app"), ("B1", "floor"), ("A2", "app"), ("B2", "floor")):
                run.phase, run.side = phase, side
                if args.kill_worker and index == len(levels) - 1 and phase == "A2":
                    await asyncio.sleep(args.phase / 2)
                    print(f"           killed app worker {kill_one_worker(app_server)} halfway through A2")
                    await asyncio.sleep(args.phase / 2)
                else:
                    await asyncio.sleep(args.phase)
            app_figures = phase_stats(run, "app", level, ("A1", "A2"))
            floor_figures = phase_stats(run, "floor", level, ("B1", "B2"))
            results[level] = (app_figures, floor_figures)
            print(f"[{run.now():6.0f} s] level {level}: autosave p95 app {app_figures.p95:.0f} ms "
                  f"({app_figures.count} saves, {app_figures.errors} errors), floor {floor_figures.p95:.0f} ms "
                  f"({floor_figures.count} saves, {floor_figures.errors} errors)", flush=True)
            if level >= args.users and not (app_figures.passes() or floor_figures.passes()):
                break
            if args.max_minutes and run.now() > args.max_minutes * 60 and index + 1 < len(levels):
                print(f"           --max-minutes {args.max_minutes:g} reached: no more levels")
                break
        run.phase, run.side = "deadline", "app"
        run.stopping = True
        await asyncio.gather(*lives)
        ready = [u for u in users[:len(lives)] if u.response_id is not None
                 and any(a.key[0] == u.response_id for a in run.acks if a.side == "app")]
        print(f"[{run.now():6.0f} s] deadline: {len(ready)} users submit over {args.final:g} s", flush=True)

        async def last_submit(user: User) -> None:
            await asyncio.sleep(random.uniform(0, args.final))
            await user.submit()

        await asyncio.gather(*(last_submit(u) for u in ready))
    finally:
        run.stopping = True
        for task in lives:
            task.cancel()
        await asyncio.gather(*lives, *helpers, return_exceptions=True)
        await asyncio.gather(*(u.close() for u in users), return_exceptions=True)


# --- the checks ----------------------------------------------------------------------------------

class Problems(list):
    """(kind, line) pairs."""

    def append(self, kind: str, line: str) -> None:  # type: ignore[override]
        super().append((kind, line))


def check_history(side: str, acks: list[Ack], stored: dict[tuple[int, int], tuple[str | None, int]],
                  unacked: dict[tuple[int, int], set[str]]) -> Problems:
    """Lost updates: see the module's docstring. Returns one line per problem."""
    problems = Problems()
    by_key: dict[tuple[int, int], list[Ack]] = defaultdict(list)
    for ack in acks:
        by_key[ack.key].append(ack)
    for key, history in sorted(by_key.items()):
        label = f"{side} answer {key}"
        changed = [a for a in history if a.changed]
        for ack in changed:
            if ack.version != ack.base + 1:
                problems.append("overwrote a text it had not seen",
                                f"{label}: {ack.who}'s save from version {ack.base} was acknowledged as "
                                f"version {ack.version}: it overwrote a text it had not seen")
        for version, count in Counter(a.version for a in changed).items():
            if count > 1:
                problems.append("two saves acknowledged as one version",
                                f"{label}: {count} different saves acknowledged as version {version}")
        for ack in history:
            before = [a.version for a in history if a.received < ack.sent]
            if before and (ack.version < max(before) or (ack.changed and ack.version == max(before))):
                problems.append("a later save got an older version",
                                f"{label}: {ack.who}'s save sent after version {max(before)} had been "
                                f"acknowledged got version {ack.version}")
        last = max(history, key=lambda a: (a.version, a.received))
        value, version = stored.get(key, (None, 0))
        if value != last.value or version != last.version:
            why = " (the value of a save that was not acknowledged)" if value in unacked.get(key, ()) else ""
            problems.append("stored != last acknowledged",
                            f"{label}: stored version {version} {str(value)[:40]!r}{why}, but the last "
                            f"acknowledged save is version {last.version} {last.value[:40]!r} by {last.who}")
    for key, (value, version) in sorted(stored.items()):
        if key not in by_key and version:
            problems.append("stored but never acknowledged",
                            f"{side} answer {key}: stored version {version} {str(value)[:40]!r} but no save of "
                            f"it was acknowledged")
    return problems


def check_receipts(receipts: list[Receipt], acks: list[Ack], unacked, app) -> tuple[Problems, int]:
    """Every receipt a client got is the stored submission, holding what had been acknowledged."""
    from sqlalchemy import select

    from consult.extensions import db
    from consult.responses.models import Submission
    from consult.responses.services import normalise_receipt_code, verify_receipt

    problems = Problems()
    by_key: dict[tuple[int, int], list[Ack]] = defaultdict(list)
    for ack in acks:
        by_key[ack.key].append(ack)
    with app.app_context():
        submissions = {(s.response_id, s.number): s for s in db.session.scalars(select(Submission))}
        for receipt in receipts:
            label = f"receipt {receipt.code} (response {receipt.response_id}, revision {receipt.number}, {receipt.who})"
            stored = submissions.get((receipt.response_id, receipt.number))
            code = normalise_receipt_code(receipt.code)
            if stored is None:
                problems.append("receipt not stored", f"{label}: no such submission stored")
                continue
            if stored.receipt_code != code:
                problems.append("receipt not stored", f"{label}: the stored submission has receipt {stored.receipt_code}")
                continue
            verification = verify_receipt(receipt.code)
            if verification.status != "valid" or verification.submission.id != stored.id:
                problems.append("receipt does not verify", f"{label}: verifies as {verification.status}")
            content = {a["question_id"]: a["value"] for a in json.loads(stored.canonical)["answers"]}
            questions = {q for (r, q) in by_key if r == receipt.response_id} | set(content)
            for question in sorted(questions):
                history = by_key.get((receipt.response_id, question), [])
                before = [a.version for a in history if a.received <= receipt.sent]
                floor = max(before) if before else None
                possible = {a.value for a in history if a.sent < receipt.received
                            and (floor is None or a.version >= floor)}
                value = content.get(question)
                if value is None and floor is None:
                    continue
                if value not in possible:
                    why = (" (the value of a save that was not acknowledged)"
                           if value in unacked.get((receipt.response_id, question), ()) else "")
                    expected = max((a for a in history if a.version == floor), key=lambda a: a.received,
                                   default=None)
                    problems.append("receipt without the acknowledged text",
                                    f"{label}: question {question} holds {str(value)[:40]!r}{why}; acknowledged "
                                    f"before the submit: {expected.value[:40] if expected else None!r}")
        db.session.remove()
    return problems, len(submissions)


def tamper(run: Run, app) -> None:
    """What a lost update and an edited submission would leave behind, written straight into the
    database: the checks must report both."""
    from sqlalchemy import select, update

    from consult.extensions import db
    from consult.responses.models import Answer, Submission

    history = defaultdict(list)
    for ack in run.acks:
        if ack.side == "app" and ack.changed:
            history[ack.key].append(ack)
    key, acks = max(history.items(), key=lambda item: len(item[1]))
    acks.sort(key=lambda a: a.version)
    receipt = run.receipts[0]
    with app.app_context():
        db.session.execute(update(Answer).where(Answer.response_id == key[0], Answer.question_id == key[1])
                           .values(value=acks[-2].value))
        submission = db.session.scalar(select(Submission).where(Submission.response_id == receipt.response_id,
                                                               Submission.number == receipt.number))
        submission.canonical = submission.canonical.replace("save", "SAVE", 1)
        db.session.commit()
        db.session.remove()
    print(f"\ntampered: answer {key} set back to version {acks[-2].version}'s text; the frozen copy of receipt "
          f"{receipt.code} edited")


def verify(run: Run, app, url: str) -> bool:
    from sqlalchemy import create_engine, select, text

    unacked: dict[str, dict[tuple[int, int], set[str]]] = {"app": defaultdict(set), "floor": defaultdict(set)}
    for side, key, value, _sent in run.unacked:
        unacked[side][key].add(value)
    from consult.extensions import db
    from consult.responses.models import Answer

    with app.app_context():  # the app's JSON column, decoded as the app decodes it
        app_stored = {(a.response_id, a.question_id): (a.value, a.version) for a in db.session.scalars(select(Answer))}
        db.session.remove()
    engine = create_engine(url)
    with engine.connect() as conn:
        floor_stored = {(o, q): (v, n) for o, q, v, n in conn.execute(
            text("SELECT org_id, question_id, value, version FROM floor_answers"))}
    engine.dispose()
    app_acks = [a for a in run.acks if a.side == "app"]
    floor_acks = [a for a in run.acks if a.side == "floor"]
    problems = check_history("app", app_acks, app_stored, unacked["app"])
    floor_problems = check_history("floor", floor_acks, floor_stored, unacked["floor"])
    receipt_problems, stored_submissions = check_receipts(run.receipts, app_acks, unacked["app"], app)
    print(f"\nChecks: app: {len(app_acks)} acknowledged saves of {len({a.key for a in app_acks})} answers, "
          f"{len(problems)} problems; floor: {len(floor_acks)} saves of {len({a.key for a in floor_acks})} rows, "
          f"{len(floor_problems)} problems; receipts: {len(run.receipts)} received "
          f"({len({(r.response_id, r.number) for r in run.receipts})} distinct, {stored_submissions} submissions "
          f"stored), {len(receipt_problems)} problems")
    everything = problems + floor_problems + receipt_problems
    kinds: dict[str, list[str]] = defaultdict(list)
    for kind, line in everything:
        kinds[kind].append(line)
    for kind, lines in kinds.items():
        print(f"  MISMATCH {kind}: {len(lines)}, e.g.:")
        for line in lines[:3]:
            print(f"    {line}")
    return not everything


# --- the report ----------------------------------------------------------------------------------

def report(run: Run, results: dict[int, tuple[Figures, Figures]], boots: int, workers: int, peak: list[int]) -> list[str]:
    """Prints every figure; returns the targets missed."""
    args = run.args
    missed = []
    print("\nAutosave per level of active users (A = app, B = floor; the same users and login phase):")
    print(HEADER)
    for level, (app_f, floor_f) in sorted(results.items()):
        print(app_f.row(f"{level} users: app"))
        print(floor_f.row(f"{level} users: floor"))
        if floor_f.p95:
            print(f"  {'':<22} p95 app / floor = {app_f.p95 / floor_f.p95:.2f}")

    print("\nEvery request, whole run (side, endpoint):")
    print(HEADER)
    groups: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    for a in run.attempts:
        groups[(a.side, a.endpoint)].append(a)
    for (side, endpoint), attempts in sorted(groups.items()):
        print(Figures.of(attempts).row(f"{side} {endpoint}"[:22]))
    errors = Counter(f"{a.side} {a.endpoint} ({a.phase}): {a.detail}" for a in run.attempts if a.outcome == "error")
    for line, count in sorted(errors.items()):
        print(f"  error: {line} x {count}")
    for line, count in sorted(run.counters.items()):
        print(f"  {line}: {count}")
    lags = defaultdict(list)
    for phase, lag in run.lags:
        lags["A" if phase.startswith("A") else "B" if phase.startswith("B") else phase.split()[0]].append(lag)
    print("  client event-loop lag p99 (ms): "
          + ", ".join(f"{name} {percentile(v, 99) * 1000:.0f}" for name, v in sorted(lags.items())))
    print(f"  gunicorn app workers started: {boots} (of which replaced or recycled: {boots - workers})")
    if peak[1:]:
        print(f"  PostgreSQL connections: peak {peak[1]} of max_connections {peak[0]} (two servers of {workers} workers)")

    def capacity(which: int) -> tuple[int, bool]:
        passed = 0
        for level, figures in sorted(results.items()):
            if not figures[which].passes():
                return passed, True
            passed = level
        return passed, False

    (app_cap, app_limited), (floor_cap, floor_limited) = capacity(0), capacity(1)
    print(f"\nCapacity (most active users with autosave p95 <= {LIMIT_MS} ms and no error): app {app_cap}"
          f"{'' if app_limited else ' or more'}, floor {floor_cap}{'' if floor_limited else ' or more'}")
    if floor_cap == 0:
        missed.append(f"the floor failed at the first level ({results[min(results)][1].errors} errors, p95 "
                      f"{results[min(results)][1].p95:.0f} ms): capacity cannot be compared")
    elif not floor_limited and app_cap < floor_cap * CAPACITY_TARGET:
        missed.append(f"capacity: app {app_cap} < {CAPACITY_TARGET} x floor (at least {floor_cap})")
    elif not floor_limited:
        print(f"  app / floor capacity: {app_cap} / {floor_cap}+ = at most {app_cap / floor_cap:.2f}; the floor "
              f"did not reach its limit (raise --max-users to decide the target)")
    else:
        ratio = app_cap / floor_cap
        print(f"  app / floor capacity = {ratio:.2f} (target at least {CAPACITY_TARGET})")
        if ratio < CAPACITY_TARGET:
            missed.append(f"capacity app / floor {app_cap} / {floor_cap} = {ratio:.2f} < {CAPACITY_TARGET}")
    if args.users in results:
        app_f, floor_f = results[args.users]
        ratio = app_f.p95 / floor_f.p95 if floor_f.p95 else float("inf")
        print(f"At {args.users} users: autosave p95 app / floor = {app_f.p95:.0f} / {floor_f.p95:.0f} ms = "
              f"{ratio:.2f} (target at most {P95_TARGET:g}), errors app {app_f.errors}, floor {floor_f.errors}")
        if ratio > P95_TARGET:
            missed.append(f"at {args.users} users autosave p95 is {ratio:.2f} x the floor's (> {P95_TARGET:g})")
        if app_f.errors:
            missed.append(f"at {args.users} users the app had {app_f.errors} errors")
    else:
        missed.append(f"the run stopped before {args.users} users")
    total_errors = sum(a.outcome == "error" for a in run.attempts) + run.counters["users who could not log in"]
    if total_errors:
        missed.append(f"{total_errors} errors in the run (target zero)")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, help="the last level of active users (default 300; 50 on SQLite)")
    parser.add_argument("--step", type=int, help="users added per level (default 50; 10 on SQLite)")
    parser.add_argument("--max-users", type=int, help="go on past --users while app or floor still passes")
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--pool", type=int, default=6, help="questions an organisation's colleagues work on")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between one user's saves")
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds of each level's login phase")
    parser.add_argument("--phase", type=float, default=30.0, help="seconds of each A or B phase")
    parser.add_argument("--final", type=float, default=20.0, help="seconds over which everyone submits at the end")
    parser.add_argument("--login-wait", type=float, default=120.0,
                        help="seconds the measured phases wait for logins still running after the login phase")
    parser.add_argument("--timeout", type=float, default=30.0, help="a request slower than this is an error")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite instead of PostgreSQL")
    parser.add_argument("--one-address", action="store_true",
                        help="every user from 127.0.0.1 (default: one address per organisation via X-Forwarded-For)")
    parser.add_argument("--max-minutes", type=float, default=0,
                        help="start no new level after this many minutes (the report then says where it stopped)")
    parser.add_argument("--kill-worker", action="store_true", help="SIGKILL an app worker during the last level")
    parser.add_argument("--floor-fault-rate", type=float, default=0.0, help="floor answers 500 to this share")
    parser.add_argument("--floor-lost-update", action="store_true", help="floor saves without the version check")
    parser.add_argument("--tamper", action="store_true",
                        help="before the checks, set one stored answer back to an earlier acknowledged text and "
                             "change one submission's frozen copy (the checks must notice both)")
    parser.add_argument("--self-test", action="store_true",
                        help="a short run with both floor faults and --tamper: must report errors, lost "
                             "updates and both changes, and exit 1")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (server logs)")
    parser.add_argument("--timeline", type=Path,
                        help="write every request (when it was sent, how long it took, its outcome) to this CSV file")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.timeline and not args.timeline.resolve().parent.is_dir():
        parser.error(f"--timeline: no folder {args.timeline.resolve().parent}")
    if args.self_test:
        args.users, args.step = args.users or 12, args.step or 6
        args.ramp, args.phase, args.final, args.interval = 6, 8, 4, 2
        args.floor_fault_rate, args.floor_lost_update, args.tamper = args.floor_fault_rate or 0.05, True, True
    args.users = args.users or (50 if args.sqlite else 300)
    args.step = args.step or (10 if args.sqlite else 50)
    levels = list(range(args.step, args.users, args.step)) + [args.users]
    levels += list(range(args.users + args.step, (args.max_users or 0) + 1, args.step))
    random.seed(args.seed)

    resources = Resources(args.keep)

    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        return _run(args, levels, resources)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        resources.close()


def write_timeline(run: Run, path: Path) -> None:
    """Every attempt in the order sent, to see whether the slow ones of a level come together."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["sent_s", "side", "endpoint", "level", "phase", "ms", "outcome", "detail"])
        for a in sorted(run.attempts, key=lambda a: a.at):
            writer.writerow([f"{a.at:.3f}", a.side, a.endpoint, a.level, a.phase, f"{a.duration * 1000:.1f}",
                             a.outcome, a.detail])
    print(f"  timeline of {len(run.attempts)} requests: {path}")


def _run(args, levels: list[int], resources: Resources) -> int:
    url = resources.database(args.sqlite)
    print(f"Rush: levels {', '.join(map(str, levels))} users, {args.questions} questions ({args.pool} per "
          f"organisation), a save every {args.interval:g} s per user, login phase {args.ramp:g} s, phases "
          f"{args.phase:g} s, {args.workers} gunicorn workers per server, "
          f"{'SQLite' if args.sqlite else 'PostgreSQL ' + str(resources.db_name)}"
          f"{', floor faults: ' if args.floor_fault_rate or args.floor_lost_update else ''}"
          f"{f'500 to {args.floor_fault_rate:.0%} ' if args.floor_fault_rate else ''}"
          f"{'lost updates' if args.floor_lost_update else ''}", flush=True)
    app, built = build(url, resources.workdir, levels[-1], args.questions, args.pool, random.Random(args.seed))
    faults = {"FLOOR_FAULT_RATE": str(args.floor_fault_rate), "FLOOR_FAULT_LOST_UPDATE": "1" if args.floor_lost_update else ""}
    workdir = resources.workdir
    app_port = free_port()
    app_server = start_server("consult:create_app()", app_port, url, workdir, args.workers, workdir / "app.log",
                              {} if args.one_address else {"PROXY_COUNT": "1"})
    resources.servers.append(app_server)
    floor_port = free_port()
    floor_server = start_server("bench.floor_app:create_floor_app()", floor_port, url, workdir, args.workers,
                                workdir / "floor.log", faults)
    resources.servers.append(floor_server)
    print(f"app on port {app_port} (pid {app_server.pid}), floor on port {floor_port} (pid {floor_server.pid}), "
          f"{len(built.org_ids)} organisations", flush=True)

    run = Run(args, f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{floor_port}")
    results: dict[int, tuple[Figures, Figures]] = {}
    peak: list[int] = []
    asyncio.run(drive(run, built.people, built.theme_of, levels, app_server, results, url, resources.db_name, peak))
    for server in list(resources.servers):
        stop_server(server)
    boots = (workdir / "app.log").read_text(errors="replace").count("Booting worker")
    missed = report(run, results, boots, args.workers, peak)
    if args.timeline:
        write_timeline(run, args.timeline)
    if args.tamper:
        tamper(run, app)
    consistent = verify(run, app, url)
    if not consistent:
        missed.append("acknowledged != stored (see MISMATCH above)")
    tracebacks = sum(p.read_text(errors="replace").count("Traceback") for p in (workdir / "app.log", workdir / "floor.log"))
    if tracebacks:
        print(f"\n{tracebacks} tracebacks in the server logs; the last lines of each:")
        for log in (workdir / "app.log", workdir / "floor.log"):
            lines = log.read_text(errors="replace").splitlines()
            marks = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
            if marks:
                print(f"--- {log.name}\n" + "\n".join(lines[marks[-1]:marks[-1] + 30]))
    print("\nRESULT: " + ("all targets met, zero errors, acknowledged == stored" if not missed else
                          "FAILED:\n  - " + "\n  - ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
