"""CPU time of one autosave in the app and in the rush's floor, in one process without a server or
network (Flask test clients, SQLite in a temporary directory): what the deadline rush's latencies are
made of once the machine is busy. Not a test: run it by hand.

    .venv/bin/python bench/autosave_cost.py            # 3 rounds of 200 saves each

The CPU times move with whatever else the machine does; the line with Python function calls per
autosave is the same in every run of the same code (a figure to compare commits by). The last line is
what one full garbage collection costs a process holding the warmed-up app (as a gunicorn worker
does; this one holds the floor's too), with and without the objects loaded before the fork frozen
(gunicorn.conf.py freezes them).
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("CONSULT_ENV", "development")

from bench import rush
from bench.floor_app import create_floor_app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="consult-cost-"))
    try:
        app, built = rush.build(f"sqlite:///{workdir / 'cost.db'}", workdir, 3, 40, 6, random.Random(1))
        person = built.people[0]
        question = person.pool[0]
        client = app.test_client()
        page = client.get("/login")
        client.post("/login", data={"csrf_token": rush.CSRF.search(page.text).group(1), "email": person.email,
                                    "password": rush.PASSWORD})
        page = client.get(f"/consultations/{rush.SLUG}")
        started = client.post(f"/consultations/{rush.SLUG}/respond",
                              data={"csrf_token": rush.CSRF.search(page.text).group(1)})
        response_id = int(started.headers["Location"].rsplit("/", 1)[1])
        page = client.get(f"/responses/{response_id}/themes/{built.theme_of[question]}")
        floor = create_floor_app().test_client()
        floor_page = floor.get("/floor/login", query_string={"user": "cost", "org": person.org_id})
        sides = {"app": (client, f"/responses/{response_id}/answers/{question}", rush.CSRF.search(page.text).group(1)),
                 "floor": (floor, f"/floor/answers/{question}", rush.CSRF.search(floor_page.text).group(1))}
        versions = {"app": 0, "floor": 0}

        def cost(side: str) -> float:
            test_client, url, token = sides[side]
            began = time.process_time()
            for k in range(args.saves):
                reply = test_client.post(url, headers={"HX-Request": "true"},
                                         data={"csrf_token": token, f"q-{question}": f"tekst {k} {random.random()}",
                                               f"v-{question}": str(versions[side])})
                if reply.status_code != 200:
                    raise SystemExit(f"{side}: {reply.status_code}")
                versions[side] = int(rush.VERSION.search(reply.text).group(2))
            return (time.process_time() - began) / args.saves * 1000

        for n in range(args.rounds):
            app_ms, floor_ms = cost("app"), cost("floor")
            print(f"round {n + 1}: CPU per autosave: app {app_ms:.1f} ms, floor {floor_ms:.1f} ms, "
                  f"app / floor {app_ms / floor_ms:.1f}")
        # CPU time on a shared machine varies from round to round; the number of Python function
        # calls does not (the same code and library versions give the same count on any machine).
        calls = {}
        for side in sides:
            profile = cProfile.Profile()
            profile.runcall(cost, side)
            calls[side] = pstats.Stats(profile).total_calls / args.saves
        print(f"Python function calls per autosave: app {calls['app']:.0f}, floor {calls['floor']:.0f}, "
              f"app / floor {calls['app'] / calls['floor']:.2f}")
        # A full garbage collection stops every thread of the process while it walks every object the
        # process holds: here the app after its warm-up, as in a gunicorn worker. gunicorn.conf.py
        # freezes what the master loaded before it forks, so a worker's collections skip it.
        from consult.core.warmup import warm  # after rush.build has set the database for the app's config

        warm(app)
        gc.collect()  # the garbage of the rounds and profiles above is not what is timed
        tracked, before = len(gc.get_objects()), full_collection_ms()
        gc.freeze()
        cost("app")  # a worker goes on serving after the fork
        print(f"A full garbage collection: {before:.0f} ms over {tracked} objects; "
              f"{full_collection_ms():.1f} ms once they are frozen (gc.freeze(), as before gunicorn forks) "
              f"and {args.saves} more saves were served")
        gc.unfreeze()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def full_collection_ms() -> float:
    """One full collection, in ms."""
    began = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - began) * 1000


if __name__ == "__main__":
    sys.exit(main())
