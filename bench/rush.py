"""Deadline rush: many provider users autosaving and submitting at once, against the real stack
(gunicorn, PostgreSQL or the embedded SQLite) over loopback, compared with a floor endpoint of the
same stack in the same run. Not a test: run it by hand (the machines are noisy; read the ratios).

    .venv/bin/python bench/rush.py                    # 300 users over 10 minutes, PostgreSQL
    .venv/bin/python bench/rush.py --quick            # 300 users over 1 minute
    .venv/bin/python bench/rush.py --sqlite --quick   # the embedded default: 50 users
    .venv/bin/python bench/rush.py --quick --kill-worker   # SIGKILL a worker halfway

Each simulated user logs in, opens the form, autosaves an answer every few seconds and submits
at the end. Failed requests (a killed worker, a refused connection) are retried, as a browser's
user would. At the end every acknowledged save and every receipt is looked up in the database:
acknowledged must equal stored, exactly.

The floor is bench/floor_app.py: one POST that inserts one row, no templates, no login. While the
rush runs, as many floor users again send it at the autosaves' pace, so the floor and the app are
measured under the same load on the same machine; `--floor-apart` measures the floor alone after
the rush instead. The script prints autosave throughput and p95 against the floor's.
PostgreSQL needs a server at RUSH_PG (default postgresql+psycopg://postgres@127.0.0.1:5432).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "rush-password-2026"
SLUG = "rush"
THEMES = 4
RETRIES = 8


# --- the data ------------------------------------------------------------------------------------

def database_url(args, workdir: Path) -> str:
    if args.sqlite:
        return f"sqlite:///{workdir / 'rush.db'}"
    import psycopg

    base = os.environ.get("RUSH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS consult_rush WITH (FORCE)")
        conn.execute("CREATE DATABASE consult_rush")
    return f"{base}/consult_rush"


def build(url: str, workdir: Path, users: int, questions: int) -> None:
    """A fresh schema (by the migrations), one open consultation, one provider user per organisation."""
    os.environ.update(DATABASE_URL=url, INSTANCE_DIR=str(workdir), SECRET_KEY="rush")
    from flask_migrate import upgrade

    from consult import create_app
    from consult.auth.models import User
    from consult.auth.passwords import hash_password
    from consult.consultations.models import Consultation, Question, QuestionKind, Status, Theme
    from consult.core.time import utcnow
    from consult.extensions import db
    from consult.orgs.models import Membership, MemberRole, Organisation, OrgKind

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
        for n in range(users):
            org = Organisation(kind=OrgKind.PROVIDER, name=f"Aanbieder {n}", kvk_number=f"{10_000_000 + n}")
            user = User(email=f"rush{n}@example.org", name=f"Gebruiker {n}", password_hash=password_hash,
                        email_verified_at=now)
            db.session.add_all([org, user, Membership(user=user, organisation=org, role=MemberRole.CONTACT)])
        db.session.commit()
    from bench.floor_app import create_floor_app

    create_floor_app()  # creates its table once, before the workers start


# --- the servers ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(target: str, port: int, url: str, workdir: Path, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_DIR": str(workdir), "SECRET_KEY": "rush",
           "CONSULT_ENV": "development", "MAIL_BACKEND": "console", "WEB_CONCURRENCY": str(workers),
           "BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:  # the server keeps its own copy of the file
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                    target], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server {target} did not start; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def kill_one_worker(master: subprocess.Popen) -> int | None:
    children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
    if not children:
        return None
    victim = int(random.choice(children))
    os.kill(victim, signal.SIGKILL)
    return victim


# --- the load ------------------------------------------------------------------------------------

@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    moments: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # when each ended
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retries: int = 0
    started: float = 0.0
    finished: float = 0.0

    def record(self, endpoint: str, seconds: float) -> None:
        self.latencies[endpoint].append(seconds)
        self.moments[endpoint].append(time.perf_counter() - self.started)


@dataclass
class Acknowledged:
    saves: dict[tuple[int, int], str] = field(default_factory=dict)  # (response, question) -> value
    receipts: dict[int, str] = field(default_factory=dict)          # response -> receipt location


async def request(client: httpx.AsyncClient, stats: Stats, endpoint: str, method: str, url: str,
                  ok=(200, 302), **kwargs) -> httpx.Response:
    """One request, retried on a dropped connection or a server error, timed per endpoint."""
    for attempt in range(RETRIES):
        began = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.TransportError:
            stats.retries += 1
            await asyncio.sleep(0.5 * (attempt + 1))
            continue
        stats.record(endpoint, time.perf_counter() - began)
        if response.status_code in ok:
            return response
        if response.status_code >= 500:
            stats.retries += 1
            await asyncio.sleep(0.5 * (attempt + 1))
            continue
        stats.errors[f"{endpoint} {response.status_code}"] += 1
        return response
    stats.errors[f"{endpoint} gave up"] += 1
    raise RuntimeError(f"{endpoint}: no answer after {RETRIES} attempts")


CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
QUESTION = re.compile(r'name="v-(\d+)" id="v-\d+" value="(\d+)"')


async def provider(n: int, base: str, start_delay: float, saves: int, interval: float, stats: Stats,
                   acked: Acknowledged) -> None:
    await asyncio.sleep(start_delay)
    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as client:
        page = await request(client, stats, "GET /login", "GET", "/login")
        token = CSRF.search(page.text).group(1)
        await request(client, stats, "POST /login", "POST", "/login",
                      data={"csrf_token": token, "email": f"rush{n}@example.org", "password": PASSWORD})
        page = await request(client, stats, "GET consultation", "GET", f"/consultations/{SLUG}")
        token = CSRF.search(page.text).group(1)
        started = await request(client, stats, "POST respond", "POST", f"/consultations/{SLUG}/respond",
                                data={"csrf_token": token})
        response_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
        overview = await request(client, stats, "GET response", "GET", f"/responses/{response_id}")
        theme_links = sorted(set(re.findall(rf"/responses/{response_id}/themes/(\d+)", overview.text)))
        versions: dict[int, int] = {}
        for theme_id in theme_links:
            page = await request(client, stats, "GET theme", "GET", f"/responses/{response_id}/themes/{theme_id}")
            versions.update({int(q): int(v) for q, v in QUESTION.findall(page.text)})
        token = CSRF.search(page.text).group(1)
        questions = sorted(versions)
        for k in range(saves):
            await asyncio.sleep(interval * random.uniform(0.6, 1.4))
            question = random.choice(questions)
            value = f"Antwoord {k} van aanbieder {n} op vraag {question}: " + "tekst " * random.randint(5, 60)
            saved = await request(client, stats, "POST autosave", "POST",
                                  f"/responses/{response_id}/answers/{question}",
                                  data={"csrf_token": token, f"q-{question}": value,
                                        f"v-{question}": str(versions[question])},
                                  headers={"HX-Request": "true"})
            if saved.status_code == 200:
                versions[question] = int(QUESTION.search(saved.text).group(2))
                acked.saves[(response_id, question)] = value
        page = await request(client, stats, "GET review", "GET", f"/responses/{response_id}/review")
        token = CSRF.search(page.text).group(1)
        submitted = await request(client, stats, "POST submit", "POST", f"/responses/{response_id}/review",
                                  data={"csrf_token": token, "publication": "named", "confirm": "1"})
        if submitted.status_code == 302 and "/submissions/" in submitted.headers["Location"]:
            acked.receipts[response_id] = submitted.headers["Location"]


async def floor_user(n: int, base: str, start_delay: float, saves: int, interval: float, stats: Stats) -> None:
    await asyncio.sleep(start_delay)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for k in range(saves):
            await asyncio.sleep(interval * random.uniform(0.6, 1.4))
            await request(client, stats, "POST floor", "POST", "/floor", ok=(200,),
                          data={"value": f"{n}:{k}"})


async def drive(users: list, stats: Stats, on_halfway=None, halfway: float | None = None) -> None:
    stats.started = time.perf_counter()
    tasks = [asyncio.create_task(user) for user in users]
    if on_halfway is not None:
        await asyncio.sleep(halfway)
        on_halfway()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    stats.finished = time.perf_counter()
    for result in results:
        if isinstance(result, Exception):
            stats.errors[f"user failed: {result.__class__.__name__}"] += 1


async def sample_connections(url: str, stop: asyncio.Event, peak: list[int]) -> None:
    """Peak PostgreSQL connections to the rush database, sampled every half second."""
    import psycopg

    plain = url.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(plain, autocommit=True) as conn:
        peak.append(conn.execute("SHOW max_connections").fetchone()[0])
        highest = 0
        while not stop.is_set():
            count = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'consult_rush'").fetchone()[0]
            highest = max(highest, count)
            await asyncio.sleep(0.5)
        peak.append(highest)


# --- the report ----------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(title: str, stats: Stats) -> None:
    elapsed = stats.finished - stats.started
    total = sum(len(v) for v in stats.latencies.values())
    print(f"\n{title}: {total} requests in {elapsed:.1f} s = {total / elapsed:.1f} requests/s, "
          f"retries {stats.retries}, errors {sum(stats.errors.values())}")
    print(f"  {'endpoint':<18} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for endpoint, values in sorted(stats.latencies.items()):
        print(f"  {endpoint:<18} {len(values):>6} {len(values) / elapsed:>7.1f} {percentile(values, 50) * 1000:>8.0f} "
              f"{percentile(values, 95) * 1000:>8.0f} {percentile(values, 99) * 1000:>8.0f}")
    for error, count in sorted(stats.errors.items()):
        print(f"  error: {error} x {count}")


def timeline(stats: Stats, endpoint: str, slices: int = 10) -> None:
    """The endpoint's p95 in each tenth of the run: shows whether slow requests bunch up."""
    elapsed = stats.finished - stats.started
    buckets: list[list[float]] = [[] for _ in range(slices)]
    for moment, seconds in zip(stats.moments[endpoint], stats.latencies[endpoint]):
        buckets[min(slices - 1, int(moment / elapsed * slices))].append(seconds)
    print(f"  {endpoint} p95 per tenth of the run (ms): "
          + " ".join(f"{percentile(b, 95) * 1000:.0f}" for b in buckets))


def verify(url: str, workdir: Path, acked: Acknowledged) -> bool:
    """Acknowledged == stored: every acknowledged save's last value and every receipt is there."""
    os.environ.update(DATABASE_URL=url, INSTANCE_DIR=str(workdir), SECRET_KEY="rush")
    from sqlalchemy import func, select

    from consult import create_app
    from consult.extensions import db
    from consult.responses.models import Answer, Submission
    from consult.responses.services import verify_receipt

    app = create_app("development")
    with app.app_context():
        stored = {(a.response_id, a.question_id): a.value for a in db.session.scalars(select(Answer))}
        missing = [key for key, value in acked.saves.items() if stored.get(key) != value]
        submissions = db.session.scalars(select(Submission)).all()
        by_response = defaultdict(list)
        for submission in submissions:
            by_response[submission.response_id].append(submission)
        lost = [r for r in acked.receipts if r not in by_response]
        doubled = [r for r, subs in by_response.items() if len(subs) != 1]
        broken = [s.id for s in submissions if verify_receipt(s.receipt_code).status != "valid"]
        orphans = db.session.scalar(select(func.count()).select_from(Submission)
                                    .where(Submission.canonical == "")) or 0
    print(f"\nacknowledged saves {len(acked.saves)}, stored with that value {len(acked.saves) - len(missing)}; "
          f"acknowledged receipts {len(acked.receipts)}, stored {len(acked.receipts) - len(lost)}; "
          f"responses with more than one submission {len(doubled)}; receipts that do not verify {len(broken)}; "
          f"half-written submissions {orphans}")
    return not (missing or lost or doubled or broken or orphans)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, help="simulated provider users (default 300; 50 on SQLite)")
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the rush")
    parser.add_argument("--quick", action="store_true", help="compress the rush into one minute")
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite instead of PostgreSQL")
    parser.add_argument("--kill-worker", action="store_true", help="SIGKILL one gunicorn worker halfway")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--floor-apart", action="store_true",
                        help="measure the floor alone after the rush instead of during it")
    args = parser.parse_args()
    users = args.users or (50 if args.sqlite else 300)
    minutes = 1.0 if args.quick else args.minutes
    duration = minutes * 60
    interval = 4.0 if args.quick else 6.0   # seconds between one user's autosaves
    arrival = duration * 0.3                 # users arrive over the first 30 %
    saves = max(1, int((duration - arrival) * 0.8 / interval))

    workdir = Path(tempfile.mkdtemp(prefix="consult-rush-"))
    url = database_url(args, workdir)
    print(f"Rush: {users} users, {args.questions} questions, {minutes:g} min, {saves} autosaves each, "
          f"{args.workers} gunicorn workers, {'SQLite' if args.sqlite else 'PostgreSQL'}"
          f"{', one worker killed halfway' if args.kill_worker else ''}, "
          f"floor {'measured alone afterwards' if args.floor_apart else 'measured during the rush'}")
    build(url, workdir, users, args.questions)

    port, floor_port = free_port(), free_port()
    app_server = start_server("consult:create_app()", port, url, workdir, args.workers, workdir / "app.log")
    floor_server = start_server("bench.floor_app:create_floor_app()", floor_port, url, workdir, args.workers,
                                workdir / "floor.log")
    peak: list[int] = []
    try:
        floor_stats = Stats()

        def floor_load() -> list:
            return [floor_user(n, f"http://127.0.0.1:{floor_port}", random.uniform(0, arrival), saves, interval,
                               floor_stats) for n in range(users)]

        acked = Acknowledged()

        async def run_app() -> Stats:
            stats = Stats()
            stop = asyncio.Event()
            sampler = None if args.sqlite else asyncio.create_task(sample_connections(url, stop, peak))
            killed = []

            def kill() -> None:
                killed.append(kill_one_worker(app_server))

            load = [provider(n, f"http://127.0.0.1:{port}", random.uniform(0, arrival), saves, interval, stats, acked)
                    for n in range(users)]
            rush = drive(load, stats, on_halfway=kill if args.kill_worker else None, halfway=duration / 2)
            if args.floor_apart:
                await rush
            else:
                await asyncio.gather(rush, drive(floor_load(), floor_stats))
            stop.set()
            if sampler:
                await sampler
            if killed:
                print(f"killed worker {killed[0]} at {duration / 2:.0f} s")
            return stats

        app_stats = asyncio.run(run_app())
        if args.floor_apart:
            asyncio.run(drive(floor_load(), floor_stats))
    finally:
        stop_server(app_server)
        stop_server(floor_server)

    report("App", app_stats)
    boots = (workdir / "app.log").read_text().count("Booting worker")
    print(f"  gunicorn workers started: {boots} (of which recycled or replaced: {boots - args.workers})")
    timeline(app_stats, "POST autosave")
    report("Floor (one INSERT per request, same stack)", floor_stats)
    timeline(floor_stats, "POST floor")
    app_rate = len(app_stats.latencies["POST autosave"]) / (app_stats.finished - app_stats.started)
    floor_rate = len(floor_stats.latencies["POST floor"]) / (floor_stats.finished - floor_stats.started)
    app_p95 = percentile(app_stats.latencies["POST autosave"], 95)
    floor_p95 = percentile(floor_stats.latencies["POST floor"], 95)
    print(f"\nautosave throughput / floor: {app_rate:.1f} / {floor_rate:.1f} req/s = {app_rate / floor_rate:.2f} "
          f"(target at least 0.5)")
    print(f"autosave p95 / floor p95: {app_p95 * 1000:.0f} / {floor_p95 * 1000:.0f} ms = {app_p95 / floor_p95:.1f} "
          f"(target at most 3)")
    if peak:
        print(f"PostgreSQL connections: peak {peak[1]} of max_connections {peak[0]} "
              f"(two servers of {args.workers} workers)")
    ok = verify(url, workdir, acked)
    errors = sum(app_stats.errors.values())
    print("RESULT:", "acknowledged == stored" if ok else "MISMATCH", f"; errors {errors}")
    return 0 if ok and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
