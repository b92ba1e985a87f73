"""Cluster check: two application nodes that share nothing but the real services.

Two gunicorn nodes (A and B), each with its own instance folder (no shared disk), behind HAProxy
(round robin, health checks on /healthz), one PostgreSQL database, Redis (rate limits and the RQ
queue), an S3-compatible store (moto's standalone server) for every file, a local SMTP server, one
RQ worker and two schedulers (one per node). Not a test: run it by hand, or ``--short`` as CI does;
it exits 1 when any check fails, and prints which.

    .venv/bin/python bench/cluster.py            # 40 providers, 60 s of autosaves
    .venv/bin/python bench/cluster.py --short    # CI: 12 providers, 24 s
    .venv/bin/python bench/cluster.py --self-test    # node B stores files on its own disk: must fail

What happens, and what is checked at the end:

- Providers (two or three colleagues per organisation, editing the same answers) log in through
  node A, then autosave through HAProxy, so their saves land on both nodes (HAProxy names the
  node in a response header; both must have served saves). A save that meets a colleague's newer
  version (409) is saved again from that version, as the browser does.
- Halfway, node A (its gunicorn master and workers, and its scheduler) is killed with SIGKILL.
  Requests that were in flight on A or sent before HAProxy took A out fail; they are counted and
  shown, re-sent as a person would, and allowed only in that window. Any other error fails the run.
  Check: for every answer, the stored value and version are those of the last acknowledged save,
  and no acknowledged save overwrote a text it had not seen (the checks of ``bench/rush.py``).
- A file uploaded through node A is downloaded through node B, byte for byte; it is in the
  bucket and on neither node's disk.
- Every organisation submits; the team (two-step login) asks for the internal CSV export through
  one node, the worker prepares it into the bucket, and both nodes serve the same file, which names
  every organisation.
- Consultations past their deadline (some at the start, some due halfway) and digests waiting for
  30 people: both schedulers run from the start, and at the end two one-off runs race each other.
  Check: every due consultation is closed with exactly one "closed" audit event, every person gets
  exactly one digest in the outbox, and the SMTP server received each digest's Message-ID once.

Everything the run creates (database, Redis database, processes, temporary folder) is removed at
the end, also on failure or Ctrl-C. PostgreSQL: CLUSTER_PG (default
postgresql+psycopg://postgres@127.0.0.1:5432); Redis: CLUSTER_REDIS (default redis://127.0.0.1:6379).
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import email
import io
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rush import CSRF, PASSWORD, SLUG, VERSION, WORDS, Ack, build, check_history  # noqa: E402
from bench.servers import free_port, start_server, stop_server  # noqa: E402

BUCKET = "consult-cluster"
TEAM_EMAIL = "team@example.org"
DIGEST_PEOPLE = 30
DUE_AT_START, DUE_HALFWAY = 4, 4
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SUBMISSION = re.compile(r"/responses/(\d+)/submissions/(\d+)$")


# --- the services the run starts, and removes again ---------------------------------------------

class Cluster:
    """The run's folder, database, Redis database and processes; ``close`` removes them all."""

    def __init__(self, keep: bool):
        self.keep = keep
        self.workdir = Path(tempfile.mkdtemp(prefix="consult-cluster-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.db_name: str | None = None
        self.pg_admin: str | None = None
        self.redis_url: str | None = None
        self.smtp = None
        self.closed = False

    def database(self) -> str:
        import psycopg

        base = os.environ.get("CLUSTER_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
        self.pg_admin = base.replace("+psycopg", "") + "/postgres"
        name = f"cluster_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.db_name = name
        return f"{base}/{name}"

    def redis(self) -> str:
        """An empty Redis database of its own (1-15), claimed with a marker key."""
        import redis

        base = os.environ.get("CLUSTER_REDIS", "redis://127.0.0.1:6379")
        for index in random.sample(range(1, 16), 15):
            client = redis.Redis.from_url(f"{base}/{index}")
            if client.dbsize() == 0 and client.set("consult-cluster-run", os.getpid(), nx=True):
                self.redis_url = f"{base}/{index}"
                return self.redis_url
        raise RuntimeError("no empty Redis database (1-15) to run in")

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for process in self.processes.values():
            stop_server(process)
        if self.smtp is not None:
            self.smtp.stop()
        if self.redis_url:
            import redis

            redis.Redis.from_url(self.redis_url).flushdb()
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


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


class Mailbox:
    """A real SMTP server (aiosmtpd) in this process, keeping the Message-ID of every message."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.message_ids: list[str] = []
        self.subjects: list[str] = []
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(envelope.content)
                box.message_ids.append(message["Message-ID"])
                box.subjects.append(str(message["Subject"]))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


HAPROXY = """\
global
    maxconn 4000
    stats socket {workdir}/haproxy.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 5s
    retries 2
    option redispatch
frontend web
    bind 127.0.0.1:{port}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 1s fall 3 rise 2
    http-response set-header X-Node %s
    server a 127.0.0.1:{port_a} check
    server b 127.0.0.1:{port_b} check
"""


def haproxy_status(workdir: Path) -> dict[str, str]:
    """The backend servers' status (UP, DOWN ...) from HAProxy's stats socket."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(workdir / "haproxy.sock"))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    rows = csv.reader(io.StringIO(data.decode().lstrip("# ")))
    header = next(rows)
    return {row[1]: row[header.index("status")] for row in rows if row and row[0] == "nodes"
            and row[1] in ("a", "b")}


# --- the data beyond the rush's ------------------------------------------------------------------

def add_cluster_data(app, built, closes_halfway) -> dict:
    """A file question, a team member with two-step login, consultations past (or soon past) their
    deadline, and digests waiting for some of the providers."""
    import pyotp
    from sqlalchemy import select

    from consult.auth.models import User
    from consult.auth.passwords import hash_password
    from consult.consultations.models import (
        Consultation,
        Question,
        QuestionKind,
        Status,
        TeamMember,
        TeamRole,
    )
    from consult.core.time import utcnow
    from consult.extensions import db
    from consult.notify.models import Kind, Notification

    with app.app_context():
        rush = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        theme = rush.themes[0]
        upload = Question(text="Uw visiedocument?", kind=QuestionKind.FILE, position=len(theme.questions))
        theme.questions.append(upload)
        secret = pyotp.random_base32()
        now = utcnow()
        team = User(email=TEAM_EMAIL, name="Projectleider", password_hash=hash_password(PASSWORD),
                    email_verified_at=now, totp_secret=secret, totp_enabled_at=now)
        db.session.add(team)
        db.session.flush()
        db.session.add(TeamMember(consultation_id=rush.id, user_id=team.id, role=TeamRole.EDITOR))
        due = []
        for n in range(DUE_AT_START + DUE_HALFWAY):
            closes = now - timedelta(minutes=1) if n < DUE_AT_START else closes_halfway
            consultation = Consultation(slug=f"due-{n}", title=f"Consultatie {n}", status=Status.OPEN,
                                        principles=[], closes_at=closes, published_at=now - timedelta(days=30))
            db.session.add(consultation)
            due.append(consultation)
        db.session.flush()
        digest_people = db.session.scalars(select(User).where(User.email.like("rush%"))
                                           .order_by(User.id).limit(DIGEST_PEOPLE)).all()
        for user in digest_people:
            for consultation in due[:2]:
                db.session.add(Notification(
                    user_id=user.id, kind=Kind.REMINDER, consultation_id=consultation.id, delivery="digest",
                    data={"consultation": consultation.title, "days": 1, "org": "Aanbieder",
                          "closes_at": consultation.closes_at.isoformat()}, link="/"))
        db.session.commit()
        facts = {"upload_question": upload.id, "upload_theme": theme.id, "totp": secret,
                 "due": [c.id for c in due], "digest_people": [u.id for u in digest_people]}
        db.session.remove()
    return facts


# --- the people ----------------------------------------------------------------------------------

class Run:
    def __init__(self, args, node_a: str, node_b: str, balancer: str):
        self.args, self.node_a, self.node_b, self.balancer = args, node_a, node_b, balancer
        self.started = time.perf_counter()
        self.stopping = False
        self.killed_at: float | None = None    # when node A was killed
        self.down_at: float | None = None      # when HAProxy had taken it out
        self.acks: list[Ack] = []
        self.unacked: dict[tuple[int, int], set[str]] = defaultdict(set)
        self.errors: list[tuple[float, str]] = []   # (sent at, what)
        self.served_by: Counter = Counter()
        self.counters: Counter = Counter()

    def now(self) -> float:
        return time.perf_counter() - self.started


class Failed(Exception):
    pass


class Provider:
    def __init__(self, person, run: Run, theme_of: dict[int, int]):
        self.person, self.run, self.theme_of = person, run, theme_of
        self.name = person.email.split("@")[0]
        self.response_id: int | None = None
        self.token = ""
        self.versions: dict[int, int] = {}
        self.saves = 0
        org = person.org_id
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(run.args.timeout),
                                        limits=httpx.Limits(max_keepalive_connections=0),
                                        headers={"X-Forwarded-For": f"10.{org // 65536 % 256}.{org // 256 % 256}.{org % 256}"})

    async def request(self, method: str, url: str, expect: tuple[int, ...], **kwargs) -> httpx.Response:
        sent = self.run.now()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as problem:
            self.run.errors.append((sent, f"{method} {url}: {problem.__class__.__name__}"))
            raise Failed from problem
        if response.status_code not in expect:
            self.run.errors.append((sent, f"{method} {url}: status {response.status_code}"))
            raise Failed
        return response

    async def login(self) -> None:
        """Through node A only: the session is a signed cookie, so node B accepts it as well."""
        a = self.run.node_a
        page = await self.request("GET", f"{a}/login", (200,))
        await self.request("POST", f"{a}/login", (302,), data={
            "csrf_token": CSRF.search(page.text).group(1), "email": self.person.email, "password": PASSWORD})
        page = await self.request("GET", f"{a}/consultations/{SLUG}", (200,))
        started = await self.request("POST", f"{a}/consultations/{SLUG}/respond", (302,),
                                     data={"csrf_token": CSRF.search(page.text).group(1)})
        self.response_id = int(started.headers["Location"].rsplit("/", 1)[1])
        for theme_id in sorted({self.theme_of[q] for q in self.person.pool}):
            page = await self.request("GET", f"{a}/responses/{self.response_id}/themes/{theme_id}", (200,))
            self.versions.update({int(q): int(v) for q, v in VERSION.findall(page.text)})
        self.token = CSRF.search(page.text).group(1)

    async def autosave(self) -> None:
        run = self.run
        question = random.choice(self.person.pool if random.random() < 0.2 else self.person.lane)
        self.saves += 1
        value = f"{self.name} save {self.saves} q{question}: " + " ".join(random.choices(WORDS, k=random.randint(5, 40)))
        key = (self.response_id, question)
        for _attempt in range(8):
            base = self.versions.get(question, 0)
            sent = run.now()
            try:
                reply = await self.request(
                    "POST", f"{run.balancer}/responses/{self.response_id}/answers/{question}", (200, 409),
                    data={"csrf_token": self.token, f"q-{question}": value, f"v-{question}": str(base)},
                    headers={"HX-Request": "true"})
            except Failed:
                run.unacked[key].add(value)
                run.counters["saves re-sent after an error"] += 1
                await asyncio.sleep(1)
                continue
            run.served_by[reply.headers.get("X-Node", "?")] += 1
            found = VERSION.search(reply.text)
            if found is None:
                run.errors.append((sent, f"autosave: a reply without the version: {reply.text[:80]!r}"))
                run.unacked[key].add(value)
                return
            self.versions[question] = int(found.group(2))
            if reply.status_code == 409:
                run.counters["saves repeated after a colleague's save"] += 1
                continue
            run.acks.append(Ack("app", key, value, base, int(found.group(2)),
                                "data-already-saved" not in reply.text, sent, run.now(), self.name))
            return
        run.counters["saves given up"] += 1

    async def log_in(self, delay: float) -> None:
        await asyncio.sleep(delay)
        for attempt in range(3):
            try:
                await self.login()
                return
            except Failed:
                self.token = ""
                self.run.counters["logins started again after an error"] += 1
                await asyncio.sleep(attempt + 1)
        self.run.counters["providers who could not log in"] += 1

    async def keep_saving(self) -> None:
        while not self.run.stopping:
            await asyncio.sleep(self.run.args.interval * random.uniform(0.6, 1.4))
            if not self.run.stopping:
                await self.autosave()

    async def submit(self) -> str:
        """Review and submit through the balancer (re-sent after an error: submitting is idempotent)."""
        b = self.run.balancer
        for _attempt in range(3):
            try:
                page = await self.request("GET", f"{b}/responses/{self.response_id}/review", (200,))
                done = await self.request("POST", f"{b}/responses/{self.response_id}/review", (302,), data={
                    "csrf_token": CSRF.search(page.text).group(1), "publication": "named", "confirm": "1"})
                if SUBMISSION.search(done.headers.get("Location", "")):
                    return done.headers["Location"]
            except Failed:
                await asyncio.sleep(1)
        return ""


async def upload_and_download(run: Run, provider: Provider, facts: dict) -> list[str]:
    """Upload a PDF through node A, download it through node B."""
    problems = []
    url = f"{run.node_a}/responses/{provider.response_id}/answers/{facts['upload_question']}/files"
    content = PDF + secrets.token_hex(64).encode()
    reply = await provider.client.post(url, data={"csrf_token": provider.token},
                                       files={"file": ("visie.pdf", content, "application/pdf")})
    if reply.status_code != 302:
        return [f"upload through node A answered {reply.status_code}"]
    page = await provider.client.get(
        f"{run.node_a}/responses/{provider.response_id}/themes/{facts['upload_theme']}")
    link = re.search(rf'href="(/responses/{provider.response_id}/files/\d+)"', page.text)
    if link is None:
        return ["the uploaded file is not listed on the theme page"]
    download = await provider.client.get(f"{run.node_b}{link.group(1)}")
    if download.status_code != 200 or download.content != content:
        problems.append(f"node B served {download.status_code}, {len(download.content)} bytes, "
                        f"not the {len(content)} bytes uploaded through node A")
    anonymous = await httpx.AsyncClient().get(f"{run.node_b}{link.group(1)}")
    if anonymous.status_code not in (302, 403, 404):
        problems.append(f"node B served the file to an anonymous visitor ({anonymous.status_code})")
    return problems


async def team_export(run: Run, facts: dict, names: list[str]) -> list[str]:
    """The team logs in with two-step login, asks for the internal CSV, both nodes serve it."""
    import pyotp

    problems = []
    async with httpx.AsyncClient(timeout=60, headers={"X-Forwarded-For": "10.200.0.1"}) as team:
        b = run.balancer
        page = await team.get(f"{b}/login")
        step = await team.post(f"{b}/login", data={"csrf_token": CSRF.search(page.text).group(1),
                                                   "email": TEAM_EMAIL, "password": PASSWORD})
        page = await team.get(f"{b}{step.headers['Location']}")
        done = await team.post(f"{b}/login/code", data={"csrf_token": CSRF.search(page.text).group(1),
                                                        "code": pyotp.TOTP(facts["totp"]).now()})
        if done.status_code != 302 or "/login" in done.headers.get("Location", ""):
            return [f"the team could not log in (two-step step answered {done.status_code})"]
        page = await team.get(f"{b}/consultations/{SLUG}/responses")
        started = await team.post(f"{b}/consultations/{SLUG}/exports", data={
            "csrf_token": CSRF.search(page.text).group(1), "variant": "internal", "fmt": "csv"})
        if started.status_code != 302:
            return [f"asking for the export answered {started.status_code}"]
        status_url = started.headers["Location"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            page = await team.get(f"{b}{status_url}")
            if f"{status_url}/download" in page.text:
                break
            await asyncio.sleep(1)
        else:
            return ["the export was not ready within 120 s (is the worker running?)"]
        files = []
        for node in (run.node_a, run.node_b) if run.killed_at is None else (run.node_b, run.balancer):
            got = await team.get(f"{node}{status_url}/download")
            files.append(got.content if got.status_code == 200 else b"")
            if got.status_code != 200:
                problems.append(f"the export download answered {got.status_code} on {node}")
        if len(set(files)) != 1:
            problems.append("the nodes served different export files")
        text = files[0].decode("utf-8-sig", errors="replace")
        missing = [name for name in names if name not in text]
        if missing:
            problems.append(f"the export lacks {len(missing)} of {len(names)} organisations, e.g. {missing[:3]}")
    return problems


# --- the run -------------------------------------------------------------------------------------

async def drive(run: Run, people, theme_of, facts, cluster: Cluster, kill, due_halfway) -> list[str]:
    """Logins first (spread over a few seconds, each retried as a person would), then autosaves
    through the balancer; node A dies halfway through the autosaves."""
    problems: list[str] = []
    providers = [Provider(p, run, theme_of) for p in people]
    logins = [asyncio.create_task(p.log_in(random.uniform(0, run.args.ramp))) for p in providers]
    await asyncio.gather(*logins)
    run.saving_from = run.now()
    due_halfway(run.args.duration / 2)
    print(f"  {run.saving_from:.1f} s: {sum(1 for p in providers if p.token)} of {len(providers)} providers "
          f"logged in through node A; autosaving through HAProxy", flush=True)
    tasks = [asyncio.create_task(p.keep_saving()) for p in providers if p.token]
    uploader = next((p for p in providers if p.token), None)
    if uploader is None:
        return ["no provider could log in"]
    problems += await upload_and_download(run, uploader, facts)
    await asyncio.sleep(max(0.0, run.saving_from + run.args.duration / 2 - run.now()))
    run.killed_at = run.now()
    kill()
    print(f"  {run.killed_at:.1f} s: node A killed (SIGKILL: gunicorn master, workers and its scheduler)", flush=True)
    while run.down_at is None and run.now() < run.killed_at + 30:
        if haproxy_status(cluster.workdir).get("a", "").startswith("DOWN"):
            run.down_at = run.now()
            print(f"  {run.down_at:.1f} s: HAProxy has taken node A out", flush=True)
        else:
            await asyncio.sleep(0.1)
    if run.down_at is None:
        problems.append("HAProxy did not take node A out within 30 s")
        run.down_at = run.now()
    await asyncio.sleep(max(0.0, run.saving_from + run.args.duration - run.now()))
    run.stopping = True
    await asyncio.gather(*tasks)
    # The deadline: one person per organisation submits, then the team exports.
    first = {}
    for p in providers:
        if p.response_id:
            first.setdefault(p.person.org_id, p)
    receipts = await asyncio.gather(*(p.submit() for p in first.values()))
    if not all(receipts):
        problems.append(f"{receipts.count('')} of {len(receipts)} organisations could not submit")
    names = [f"Aanbieder {i}" for i in range(len(first))]
    problems += await team_export(run, facts, names)
    for p in providers:
        await p.client.aclose()
    return problems


def check_answers(run: Run, app) -> list[str]:
    from sqlalchemy import select

    from consult.extensions import db
    from consult.responses.models import Answer

    with app.app_context():
        stored = {(a.response_id, a.question_id): (a.value, a.version) for a in db.session.scalars(select(Answer))
                  if a.question_id != run.upload_question}
        db.session.remove()
    found = check_history("app", run.acks, stored, run.unacked)
    print(f"\nAnswers: {len(run.acks)} acknowledged saves of {len({a.key for a in run.acks})} answers; "
          f"served by node {', node '.join(f'{k}: {v}' for k, v in sorted(run.served_by.items()))}")
    problems = [f"{kind}: {line}" for kind, line in found]
    nodes = {k for k, v in run.served_by.items() if v}
    if not {"a", "b"} <= nodes:
        problems.append(f"saves were served by {sorted(nodes)} only, not by both nodes")
    return problems


def check_errors(run: Run) -> list[str]:
    window = (run.killed_at - run.args.timeout, run.down_at + 1)
    allowed = [(t, e) for t, e in run.errors if window[0] <= t <= window[1]]
    others = [(t, e) for t, e in run.errors if not window[0] <= t <= window[1]]
    print(f"Errors: {len(run.errors)} in all; {len(allowed)} sent between {window[0]:.1f} s and {window[1]:.1f} s "
          f"(node A killed at {run.killed_at:.1f} s, taken out by HAProxy at {run.down_at:.1f} s), "
          f"{len(others)} at other times")
    for label, errors in (("in the window", allowed), ("outside it", others)):
        for sent, what in errors[:6]:
            print(f"  {label}: sent at {sent:7.1f} s: {what}")
    for name, count in sorted(run.counters.items()):
        print(f"  {name}: {count}")
    return [f"{len(others)} errors outside the fail-over window, e.g. {others[0][1]}"] if others else []


def check_storage(cluster: Cluster, nodes: dict[str, Path]) -> list[str]:
    import boto3

    problems = []
    for name, folder in nodes.items():
        stored = [p for p in folder.rglob("*") if p.is_file() and "uploads" in p.parts]
        if stored:
            problems.append(f"node {name} keeps files on its own disk: {[str(p.name) for p in stored[:3]]}")
    client = boto3.client("s3", endpoint_url=cluster.s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    print(f"Storage: {len(keys)} objects in the bucket; files on the nodes' disks: "
          f"{sum(1 for f in nodes.values() for p in f.rglob('*') if p.is_file() and 'uploads' in p.parts)}")
    if len(keys) < 2:
        problems.append(f"the bucket holds {len(keys)} objects, not the upload and the export")
    return problems


def check_schedules(app, facts: dict, mailbox: Mailbox) -> list[str]:
    from sqlalchemy import func, select

    from consult.audit.models import AuditEvent
    from consult.consultations.models import Consultation, Status
    from consult.core.outbox import MailStatus, OutboundMail, message_id
    from consult.extensions import db

    problems = []
    with app.app_context():
        for consultation in db.session.scalars(select(Consultation).where(Consultation.id.in_(facts["due"]))):
            events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "consultation_closed",
                AuditEvent.object_id == str(consultation.id)))
            if consultation.status != Status.CLOSED or events != 1:
                problems.append(f"{consultation.slug}: {consultation.status}, {events} 'closed' events (expected closed, 1)")
        digests = db.session.scalars(select(OutboundMail).where(OutboundMail.dedupe_key.like("digest:%"))).all()
        per_person = Counter(int(m.dedupe_key.split(":")[1]) for m in digests)
        wrong = {p: per_person.get(p, 0) for p in facts["digest_people"] if per_person.get(p, 0) != 1}
        if wrong or len(per_person) != len(facts["digest_people"]):
            problems.append(f"digests per person: {len(per_person)} people got one or more, expected exactly one "
                            f"each for {len(facts['digest_people'])}; wrong: {dict(list(wrong.items())[:5])}")
        unsent = [m.id for m in digests if m.status != MailStatus.SENT]
        ids = {message_id(m) for m in digests}
        db.session.remove()
    received = Counter(mailbox.message_ids)
    twice = [i for i in ids if received[i] > 1]
    missing = [i for i in ids if received[i] == 0]
    print(f"Schedules: {len(facts['due'])} due consultations; {len(digests)} digests in the outbox for "
          f"{len(facts['digest_people'])} people, {len(unsent)} not sent; SMTP received "
          f"{len(mailbox.message_ids)} messages")
    if unsent or missing or twice:
        problems.append(f"digest delivery: {len(unsent)} not sent, {len(missing)} never received, "
                        f"{len(twice)} received twice")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of autosaving; node A dies halfway")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between one provider's saves")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the providers log in")
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--pool", type=int, default=4, help="questions an organisation's colleagues work on")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per node")
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--short", action="store_true", help="CI's short form: 12 providers, 24 s")
    parser.add_argument("--self-test", action="store_true",
                        help="node B keeps files on its own disk (no STORAGE_URL): the run must fail")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.short or args.self_test:
        args.users, args.duration, args.workers = 12, 24.0, 2
    random.seed(args.seed)
    if shutil.which("haproxy") is None:
        print("HAProxy is not installed (Debian: apt-get install haproxy)", file=sys.stderr)
        return 2
    cluster = Cluster(args.keep)

    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        return _run(args, cluster)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        cluster.close()


def _run(args, cluster: Cluster) -> int:
    workdir = cluster.workdir
    url = cluster.database()
    redis_url = cluster.redis()
    started = time.monotonic()
    print(f"Cluster: {args.users} providers, {args.duration:g} s, PostgreSQL {cluster.db_name}, Redis {redis_url}",
          flush=True)
    # The S3 store and the mail server.
    s3_port = free_port()
    cluster.start("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)], {})
    wait_for_port(s3_port)
    cluster.s3_endpoint = f"http://127.0.0.1:{s3_port}"
    import boto3

    boto3.client("s3", endpoint_url=cluster.s3_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)
    cluster.smtp = mailbox = Mailbox()
    # The data, by the migrations.
    app, built = build(url, workdir / "build", args.users, args.questions, args.pool, random.Random(args.seed))
    from consult.core.time import utcnow

    facts = add_cluster_data(app, built, utcnow() + timedelta(days=1))  # the second group: see due_halfway
    common = {"REDIS_URL": redis_url, "RQ_QUEUE": f"cluster-{secrets.token_hex(4)}",
              "STORAGE_URL": f"s3://{BUCKET}/files?endpoint_url={cluster.s3_endpoint}",
              "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
              "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mailbox.port),
              "MAIL_SWEEP_SECONDS": "2", "PROXY_COUNT": "1", "DATABASE_URL": url, "SECRET_KEY": "cluster",
              "CONSULT_ENV": "development", "PYTHONPATH": str(ROOT)}
    nodes = {"a": workdir / "node-a", "b": workdir / "node-b"}
    env = {name: {**common, "INSTANCE_DIR": str(folder)} for name, folder in nodes.items()}
    if args.self_test:
        env["b"].pop("STORAGE_URL")  # node B keeps its files on its own disk
    ports = {name: free_port() for name in nodes}
    for name, folder in nodes.items():
        folder.mkdir()
        server = start_server("consult:create_app()", ports[name], url, folder, args.workers, workdir / f"web-{name}.log",
                              env[name])
        cluster.processes[f"web-{name}"] = server
    flask = [sys.executable, "-m", "flask", "--app", "consult"]
    for name in nodes:  # started together, so both look at the schedule at the same moment
        cluster.start(f"scheduler-{name}", flask + ["scheduler", "--tick", "1"], env[name])
    cluster.start("worker", flask + ["worker"], env["b"])
    balancer_port = free_port()
    (workdir / "haproxy.cfg").write_text(HAPROXY.format(workdir=workdir, port=balancer_port, port_a=ports["a"],
                                                         port_b=ports["b"]))
    cluster.start("haproxy", ["haproxy", "-db", "-f", str(workdir / "haproxy.cfg")], {})
    wait_for_port(balancer_port)
    deadline = time.monotonic() + 30
    while set(haproxy_status(workdir).values()) != {"UP"} and time.monotonic() < deadline:
        time.sleep(0.2)
    print(f"  nodes on ports {ports['a']} and {ports['b']}, HAProxy on {balancer_port}: {haproxy_status(workdir)}; "
          f"ready after {time.monotonic() - started:.0f} s", flush=True)

    def kill() -> None:
        for name in ("web-a", "scheduler-a"):
            process = cluster.processes[name]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    run = Run(args, f"http://127.0.0.1:{ports['a']}", f"http://127.0.0.1:{ports['b']}",
              f"http://127.0.0.1:{balancer_port}")
    run.upload_question = facts["upload_question"]
    def due_halfway(seconds: float) -> None:
        """The second group of consultations passes its deadline halfway through the autosaves."""
        from sqlalchemy import update

        from consult.consultations.models import Consultation
        from consult.extensions import db

        with app.app_context():
            db.session.execute(update(Consultation).where(Consultation.id.in_(facts["due"][DUE_AT_START:]))
                               .values(closes_at=utcnow() + timedelta(seconds=seconds)))
            db.session.commit()
            db.session.remove()

    problems = asyncio.run(drive(run, built.people, built.theme_of, facts, cluster, kill, due_halfway))
    # Two one-off runs of the closing and the digests, racing each other, after everything is due.
    racers = [subprocess.Popen(flask + ["scheduler", "--once", "--job", "close-due", "--job", "send-digests",
                                        "--job", "deliver-mail"], cwd=ROOT, env={**os.environ, **env[name]},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for name in nodes]
    for racer in racers:
        output, _ = racer.communicate(timeout=120)
        said = [line for line in output.splitlines() if re.match(r"(close-due|send-digests|deliver-mail): ", line)]
        print("  one-off scheduler run: " + "; ".join(said), flush=True)
    deadline = time.monotonic() + 60  # the worker and the sweep deliver what is queued
    from sqlalchemy import select

    from consult.core.outbox import MailStatus, OutboundMail
    from consult.extensions import db

    while time.monotonic() < deadline:
        with app.app_context():
            waiting = db.session.scalar(select(OutboundMail.id).where(OutboundMail.status != MailStatus.SENT).limit(1))
            db.session.remove()
        if waiting is None:
            break
        time.sleep(1)
    problems += check_errors(run)
    problems += check_answers(run, app)
    problems += check_storage(cluster, nodes)
    problems += check_schedules(app, facts, mailbox)
    tracebacks = [name for name in cluster.processes if "Traceback" in cluster.log(name)]
    if tracebacks:
        problems.append(f"tracebacks in the logs of {tracebacks}")
        for name in tracebacks:
            lines = cluster.log(name).splitlines()
            at = max(i for i, line in enumerate(lines) if line.startswith("Traceback"))
            print(f"--- {name}.log\n" + "\n".join(lines[at:at + 25]))
    print(f"\nRESULT after {time.monotonic() - started:.0f} s: "
          + ("every check passed" if not problems else "FAILED:\n  - " + "\n  - ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
