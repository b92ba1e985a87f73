"""Export benchmark: time and peak memory of the answer exports (CSV, XLSX) and the report at
1x, 2x and 4x the data, so growth can be seen. Not a test: run it by hand.

    .venv/bin/python bench/exports.py                  # 1x = 500 organisations x 125 questions
    .venv/bin/python bench/exports.py --base 2000      # 1x = 250,000 answers

Peak memory is Python's own allocations (tracemalloc) while one export runs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = 125


def build(app, organisations: int) -> None:
    from consult.consultations.models import Consultation, Question, QuestionKind, Status, Theme
    from consult.core.time import utcnow
    from consult.extensions import db
    from consult.orgs.models import Organisation, OrgKind
    from consult.responses.models import Publication, Response, ResponseStatus, Submission

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
        questions = [(theme.title, q) for theme in themes for q in theme.questions]
        now = utcnow()
        for n in range(organisations):
            org = Organisation(kind=OrgKind.PROVIDER, name=f"Aanbieder {n}")
            response = Response(consultation=consultation, organisation=org, status=ResponseStatus.SUBMITTED,
                                publication=[Publication.NAMED, Publication.ANONYMOUS, Publication.NONE][n % 3])
            answers = [{"question_id": q.id, "theme": title, "question": q.text, "kind": "open", "unit": "",
                        "value": f"Antwoord {n} op {q.id}: " + "tekst " * 20, "confidential": q.id % 7 == 0,
                        "attachments": []} for title, q in questions]
            canonical = json.dumps({"answers": answers})
            response.submissions.append(Submission(number=1, submitted_at=now, canonical=canonical, digest="0" * 64,
                                                   receipt_code=f"{n:032x}", content_hash="0" * 64,
                                                   question_set_version=1))
            db.session.add(response)
            if n % 200 == 0:
                db.session.flush()
                db.session.expunge_all()
                consultation = db.session.get(Consultation, consultation.id)
        db.session.commit()


def measure(app, label: str, work) -> tuple[float, float]:
    """Time without tracing (tracemalloc slows allocation-heavy code), then peak memory traced."""
    with app.test_request_context():
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
        tracemalloc.start()
        work()
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=int, default=500, help="organisations at 1x (each answers 125 questions)")
    parser.add_argument("--factors", default="1,2,4", help="sizes to run, as multiples of the base")
    args = parser.parse_args()
    from consult import create_app
    from consult.consultations.models import Consultation
    from consult.extensions import db
    from consult.reports.data import csv_stream, xlsx_file
    from config import TestingConfig

    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    config = type("BenchConfig", (TestingConfig,), {"INSTANCE_DIR": workdir,
                                                     "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}"})
    app = create_app(config)
    print(f"{'size':>5} {'answers':>9} {'format':>8} {'seconds':>9} {'peak MB':>8}")
    for factor in (int(f) for f in args.factors.split(",")):
        organisations = args.base * factor
        build(app, organisations)
        with app.app_context():
            consultation = db.session.query(Consultation).filter_by(slug="bench").one()

            def run_csv():
                return sum(len(chunk) for chunk in csv_stream(consultation, "internal"))

            def run_xlsx():
                os.unlink(xlsx_file(consultation, "internal"))

            for name, work in (("csv", run_csv), ("xlsx", run_xlsx)):
                seconds, peak = measure(app, name, work)
                print(f"{factor:>4}x {organisations * QUESTIONS:>9} {name:>8} {seconds:>9.2f} {peak:>8.1f}")


if __name__ == "__main__":
    main()
