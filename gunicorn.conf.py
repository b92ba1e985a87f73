"""Gunicorn settings for production: `gunicorn 'consult:create_app()'` reads this file."""
import multiprocessing
import os

# gunicorn serves production: without CONSULT_ENV the app must not fall back to its development
# configuration (a published secret key). Read before the app is loaded.
os.environ.setdefault("CONSULT_ENV", "production")

bind = os.environ.get("BIND", "127.0.0.1:8000")


def _control_socket() -> str:
    """gunicorn's control socket (``gunicornc``) in this installation's own run or instance folder,
    named after the address it serves, instead of one path shared by every gunicorn of the user."""
    if os.environ.get("GUNICORN_CONTROL_SOCKET"):
        return os.environ["GUNICORN_CONTROL_SOCKET"]
    folder = os.environ.get("RUNTIME_DIRECTORY") or os.environ.get("INSTANCE_DIR") or "instance"
    name = "gunicorn-" + "".join(c if c.isalnum() else "-" for c in bind) + ".ctl"
    path = os.path.join(os.path.abspath(folder), name)
    if len(path) > 100:  # a unix socket's path has a length limit; keep the name unique
        import hashlib

        path = os.path.join("/tmp", f"consult-{hashlib.sha256(path.encode()).hexdigest()[:16]}.ctl")
    return path


control_socket = _control_socket()
# Two processes per core, plus one, each with a few threads: a quick autosave is then served
# next to a slow page render instead of waiting in the queue behind it.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Load the app once in the master: workers start fast and share its memory. The app opens no
# database connection while loading, so nothing is shared across the fork.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Restart workers now and then, so a slow leak can never grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("ACCESS_LOG")  # e.g. "-" for stdout
# One logging configuration for gunicorn and the app (consult/core/logs.py): timestamps, the level
# from LOG_LEVEL, the request id on every line the app writes.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'


def _logconfig_dict():
    from consult.core.logs import logging_config

    config = logging_config()
    if not accesslog:  # one line per request only when asked for
        config["loggers"]["gunicorn.access"]["level"] = "WARNING"
    return config


logconfig_dict = _logconfig_dict()


def when_ready(server):
    """Before the first fork: compile templates, configure the ORM and load the translations once,
    so no worker (new, replaced or recycled) does it while someone waits for a save. Then everything
    loaded so far leaves the garbage collector's sight: a worker's full collection would otherwise
    walk those ~300,000 long-lived objects each time, a pause of 0.2 to 1.7 s for all the worker's
    threads under a deadline rush's load (measured with GC_LOG_DIR, below); frozen, a collection
    walks only what the worker itself made since."""
    import gc

    app = server.app.wsgi()
    if getattr(app, "import_name", None) == "consult":
        from consult.core.warmup import warm

        server.log.info("warmed up: %d templates compiled", warm(app))
    gc.collect()
    gc.freeze()
    server.log.info("kept out of garbage collection: %d objects", gc.get_freeze_count())


def post_fork(server, worker):
    """A diagnosis, off unless GC_LOG_DIR names a folder: each worker appends its full garbage
    collections, and any collection longer than 5 ms, to ``<GC_LOG_DIR>/<pid>.log`` as "unix time,
    generation, ms, objects collected" (so pauses can be laid next to bench/rush.py --timeline)."""
    folder = os.environ.get("GC_LOG_DIR")
    if not folder:
        return
    import gc
    import time

    log = open(os.path.join(folder, f"{os.getpid()}.log"), "a", buffering=1)  # open for the worker's life
    started = 0.0

    def record(phase, info):
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
            return
        ms = (time.perf_counter() - started) * 1000
        if info["generation"] == 2 or ms > 5:
            log.write(f"{time.time():.3f} {info['generation']} {ms:.1f} {info['collected']}\n")

    gc.callbacks.append(record)


def child_exit(server, worker):
    """A worker that stopped leaves /metrics' sums of live figures (consult/core/metrics.py)."""
    from consult.core.metrics import worker_exited

    worker_exited(worker.pid)
