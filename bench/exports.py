"""Export benchmark: the answer exports (CSV, XLSX) against a bare writer over the same query, and
their resident memory as the data grows. Exits 1 when a target is missed.

    .venv/bin/python bench/exports.py                       # 62,500 and 250,000 answers, SQLite
    .venv/bin/python bench/exports.py --pg                  # the same on PostgreSQL (127.0.0.1:5432)
    .venv/bin/python bench/exports.py --base 200 --factors 1,2,4

Each size builds a closed consultation of 125 questions answered by ``base x factor`` organisations
(one submission each). Every export then runs in a fresh process of its own, so one run's memory
cannot hide another's, in alternating order (app, bare, then bare, app ...; the best of ``--repeat``
runs counts, as the machine is shared):

* app: ``consult.reports.data.csv_stream`` / ``xlsx_file``, the team's (internal) export, which has
  the most columns;
* bare: the same query (``consult.reports.data.answer_batches``: the submitted answers' rows, a
  batch of responses at a time) and the same ten columns written by a plain ``csv.writer`` (64 KB
  chunks, as the app streams) or openpyxl's write-only workbook, with the labels looked up in
  tables made once, and without disclosure, formula escaping or the reader's time zone: the least
  any export of these rows can cost.

Each submission is stored as the app stores it: its canonical JSON and its answers as rows
(``SubmittedAnswer``, the columns ``consult.responses.services.answer_row_values`` gives).

Memory is the process's resident set (VmRSS/VmHWM from /proc/self/status, so C libraries count as
well as Python): its peak during the export minus its size just before.

Targets: CSV time at most 2 x bare, XLSX at most 1.5 x bare, and memory flat: the peak growth at the
largest size at most the growth at the smallest plus 8 MB (allocator noise), for app and bare alike.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = 125
CSV_TARGET, XLSX_TARGET = 2.0, 1.5
FLAT_MB = 8.0
PG_BASE = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def make_app(url: str, workdir: Path):
    from config import TestingConfig
    from consult import create_app

    return create_app(type("BenchConfig", (TestingConfig,), {
        "INSTANCE_DIR": workdir, "SQLALCHEMY_DATABASE_URI": url, "STATIC_FINGERPRINTS": False}))


def build(app, organisations: int) -> None:
    from sqlalchemy import insert

    from consult.consultations.models import Consultation, Question, QuestionKind, Status, Theme
    from consult.core.time import utcnow
    from consult.extensions import db
    from consult.orgs.models import Organisation, OrgKind
    from consult.responses.models import Publication, Response, ResponseStatus, Submission, SubmittedAnswer
    from consult.responses.services import answer_row_values

    with app.app_context():
        db.drop_all()
        db.create_all()
        consultation = Consultation(slug="bench", title="Bench", status=Status.CLOSED, principles=[],
                                    closes_at=utcnow() - timedelta(days=1))
        themes = [Theme(title=f"Thema {t}", position=t) for t in range(5)]
        for t, theme in enumerate(themes):
            theme.questions.extend(Question(text=f"Vraag {t}.{q}?", kind=QuestionKind.OPEN, position=q)
                                   for q in range(QUESTIONS // 5))
        consultation.themes.extend(themes)
        db.session.add(consultation)
        db.session.flush()
        questions = [(theme.title, q.id, q.text) for theme in themes for q in theme.questions]
        consultation_id = consultation.id
        now = utcnow()
        pending = []
        for n in range(organisations):
            org = Organisation(kind=OrgKind.PROVIDER, name=f"Aanbieder {n}")
            response = Response(consultation_id=consultation_id, organisation=org,
                                status=ResponseStatus.SUBMITTED,
                                publication=[Publication.NAMED, Publication.ANONYMOUS, Publication.NONE][n % 3])
            answers = [{"question_id": qid, "theme": title, "question": text, "kind": "open", "unit": "",
                        "value": f"Antwoord {n} op {qid}: " + "tekst " * 20, "confidential": qid % 7 == 0,
                        "attachments": []} for title, qid, text in questions]
            submission = Submission(number=1, submitted_at=now, canonical=json.dumps({"answers": answers}),
                                    digest="0" * 64, receipt_code=f"{n:032x}", content_hash="0" * 64,
                                    question_set_version=1)
            response.submissions.append(submission)
            db.session.add(response)
            pending.append((submission, response, org, answers))
            if n % 200 == 199 or n == organisations - 1:
                db.session.flush()
                # The answers as rows, as submitting writes them (no publication in this canonical copy).
                db.session.execute(insert(SubmittedAnswer.__table__), [
                    {"submission_id": sub.id, "response_id": resp.id, "consultation_id": consultation_id,
                     "organisation_id": organisation.id, "revision": 1, "current": True, "position": position,
                     "publication": None, **answer_row_values(answer)}
                    for sub, resp, organisation, answers_ in pending for position, answer in enumerate(answers_)])
                pending.clear()
                db.session.expunge_all()
        db.session.commit()


# --- the bare baseline: the same query, nothing but the writer ----------------------------------

def bare_rows(consultation_id: int):
    """The same rows as the internal export, from the same query, with labels looked up in tables
    made once."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from consult.consultations.models import Question, Theme
    from consult.extensions import db
    from consult.reports.data import answer_batches
    from consult.responses.models import Publication

    numbers = {}
    for t_number, theme_id in enumerate(db.session.scalars(select(Theme.id).where(
            Theme.consultation_id == consultation_id).order_by(Theme.position, Theme.id)), start=1):
        for q_number, question_id in enumerate(db.session.scalars(select(Question.id).where(
                Question.theme_id == theme_id).order_by(Question.position, Question.id)), start=1):
            numbers[question_id] = f"{t_number}.{q_number}"
    yes_no = {True: _("yes"), False: _("no")}
    publications = {publication: publication.label for publication in Publication}
    for responses, answers in answer_batches(consultation_id):
        heads = {r.id: (r.name, str(r.kind), r.submitted_at.strftime("%Y-%m-%d %H:%M"), str(r.revision),
                        publications[r.publication] if r.publication else "") for r in responses}
        for response_id, theme, question_id, question, text, confidential in answers:
            name, kind, when, revision, chosen = heads[response_id]
            yield [name, kind, theme, numbers[question_id], question, text, when, revision, yes_no[confidential],
                   chosen]


def bare_csv(consultation_id: int) -> int:
    buffer, size = io.StringIO(), 0
    writer = csv.writer(buffer, delimiter=";")
    for row in bare_rows(consultation_id):
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            size += len(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    return size + len(buffer.getvalue().encode())


def bare_xlsx(consultation_id: int) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Answers")
    for row in bare_rows(consultation_id):
        sheet.append(row)
    handle = tempfile.NamedTemporaryFile(prefix="consult-bare-", suffix=".xlsx", delete=False)
    handle.close()
    workbook.save(handle.name)
    size = os.path.getsize(handle.name)
    os.unlink(handle.name)
    return size


def app_csv(consultation) -> int:
    from consult.reports.data import csv_stream

    return sum(len(chunk) for chunk in csv_stream(consultation, "internal"))


def app_xlsx(consultation) -> int:
    from consult.reports.data import xlsx_file

    path = xlsx_file(consultation, "internal")
    size = os.path.getsize(path)
    os.unlink(path)
    return size


# --- one export in a process of its own ----------------------------------------------------------

def status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def child(url: str, workdir: Path, fmt: str, impl: str) -> dict:
    from sqlalchemy import select

    from consult.consultations.models import Consultation
    from consult.extensions import db

    app = make_app(url, workdir)
    with app.test_request_context():
        consultation = db.session.scalars(select(Consultation).filter_by(slug="bench")).one()
        consultation_id = consultation.id
        work = {("csv", "app"): lambda: app_csv(consultation), ("xlsx", "app"): lambda: app_xlsx(consultation),
                ("csv", "bare"): lambda: bare_csv(consultation_id),
                ("xlsx", "bare"): lambda: bare_xlsx(consultation_id)}[fmt, impl]
        before = status_kb("VmRSS")
        try:  # reset the high-water mark to the present size (Linux 4.0+)
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
            reset = True
        except OSError:
            reset = False
        peak, running = [before], True

        def sample() -> None:
            while running:
                peak[0] = max(peak[0], status_kb("VmRSS"))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        size = work()
        seconds = time.perf_counter() - start
        running = False
        sampler.join()
        highest = max(peak[0], status_kb("VmHWM") if reset else 0)
    return {"seconds": seconds, "rss_mb": (highest - before) / 1024, "bytes": size}


def run_child(url: str, workdir: Path, fmt: str, impl: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", fmt, impl, "--url", url, "--workdir", str(workdir)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def database(pg: bool, workdir: Path) -> tuple[str, str | None]:
    if not pg:
        return f"sqlite:///{workdir / 'bench.db'}", None
    import psycopg

    name = f"consult_bench_exports_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_BASE.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG_BASE}/{name}", name


def drop(name: str | None) -> None:
    if name is None:
        return
    import psycopg

    with psycopg.connect(PG_BASE.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=int, default=500, help="organisations at 1x (each answers 125 questions)")
    parser.add_argument("--factors", default="1,4", help="sizes to run, as multiples of the base")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each export; the fastest counts")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL at BENCH_PG instead of SQLite")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "IMPL"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.url, Path(args.workdir), *args.child)))
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-exports-"))
    url, pg_name = database(args.pg, workdir)
    results: dict[tuple[int, str, str], dict] = {}
    factors = [int(f) for f in args.factors.split(",")]
    try:
        app = make_app(url, workdir)
        print(f"database: {'PostgreSQL' if args.pg else 'SQLite'}; best of {args.repeat}; internal export")
        print(f"{'answers':>9} {'format':>6} {'app s':>7} {'bare s':>7} {'ratio':>6} "
              f"{'app RSS MB':>10} {'bare RSS MB':>11} {'app file MB':>11} {'bare file MB':>12}")
        for factor in factors:
            build(app, args.base * factor)
            answers = args.base * factor * QUESTIONS
            for fmt in ("csv", "xlsx"):
                runs = {"app": [], "bare": []}
                for turn in range(args.repeat):
                    # Alternating who goes first, so neither always finds the database's cache warm.
                    for impl in ("app", "bare") if turn % 2 == 0 else ("bare", "app"):
                        runs[impl].append(run_child(url, workdir, fmt, impl))
                for impl, measured in runs.items():
                    results[factor, fmt, impl] = {"seconds": min(r["seconds"] for r in measured),
                                                  "rss_mb": max(r["rss_mb"] for r in measured),
                                                  "mb": max(r["bytes"] for r in measured) / 1024 / 1024}
                app_, bare = results[factor, fmt, "app"], results[factor, fmt, "bare"]
                print(f"{answers:>9,} {fmt:>6} {app_['seconds']:>7.2f} {bare['seconds']:>7.2f} "
                      f"{app_['seconds'] / bare['seconds']:>6.2f} {app_['rss_mb']:>10.1f} {bare['rss_mb']:>11.1f} "
                      f"{app_['mb']:>11.1f} {bare['mb']:>12.1f}",
                      flush=True)
        with app.app_context():
            from consult.extensions import db

            db.engine.dispose()
    finally:
        drop(pg_name)
        shutil.rmtree(workdir, ignore_errors=True)

    failures = []
    for (factor, fmt, impl), measured in results.items():
        if impl == "app":
            ratio = measured["seconds"] / results[factor, fmt, "bare"]["seconds"]
            target = CSV_TARGET if fmt == "csv" else XLSX_TARGET
            if ratio > target:
                failures.append(f"{fmt} at {factor}x: {ratio:.2f} x bare (target {target})")
    small, large = min(factors), max(factors)
    for fmt in ("csv", "xlsx"):
        for impl in ("app", "bare"):
            grown = results[large, fmt, impl]["rss_mb"] - results[small, fmt, impl]["rss_mb"]
            if grown > FLAT_MB:
                failures.append(f"{fmt} {impl}: resident memory grew {grown:.1f} MB from {small}x to {large}x "
                                f"(target at most {FLAT_MB:.0f} MB)")
    print("targets: CSV <= 2 x bare, XLSX <= 1.5 x bare, RSS growth from smallest to largest <= 8 MB")
    for failure in failures:
        print("  MISSED:", failure)
    print("result:", "FAIL" if failures else "pass")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
