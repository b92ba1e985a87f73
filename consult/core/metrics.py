"""/metrics in Prometheus' text format, for the addresses in ``METRICS_ALLOW`` only (default: this
machine, ``127.0.0.1,::1``; addresses or networks, comma-separated); anyone else gets 404.

Per request: ``consult_request_duration_seconds`` (a histogram per route rule and method) and
``consult_requests_total`` (per route, method and status). Under gunicorn every worker process
writes its figures to files in ``PROMETHEUS_MULTIPROC_DIR`` (emptied before gunicorn starts:
deploy/systemd/consult-web.service, deploy/Containerfile) and /metrics adds them up, whichever
worker answers; without that variable (the development server) the process's own figures are shown.

Read from the database and Redis at each scrape: ``consult_job_queue_depth`` (jobs waiting in the
RQ queue; only with ``REDIS_URL``), ``consult_outbox_backlog`` (mail waiting for delivery, pending or
being sent), ``consult_mail_failed`` (mail given up on), ``consult_open_sessions`` (accounts logged
in within ``ABSOLUTE_TIMEOUT_HOURS``: sessions are signed cookies, so this is the most that can
still be open).
"""
from __future__ import annotations

import ipaddress
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUEST_DURATION = Histogram("consult_request_duration_seconds", "Time to answer a request, per route",
                             ["route", "method"], buckets=BUCKETS, registry=REGISTRY)
REQUESTS = Counter("consult_requests", "Requests answered, per route and status",
                   ["route", "method", "status"], registry=REGISTRY)
DEFAULT_ALLOW = "127.0.0.1,::1"


def allowed_networks(setting: str | None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``METRICS_ALLOW``: addresses and networks, comma-separated; ValueError on a wrong one."""
    return [ipaddress.ip_network(part.strip(), strict=False)
            for part in (setting if setting is not None else DEFAULT_ALLOW).split(",") if part.strip()]


def _allowed(address: str | None) -> bool:
    try:
        client = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    if getattr(client, "ipv4_mapped", None):
        client = client.ipv4_mapped
    return any(client in network for network in current_app.extensions["consult_metrics_allow"])


class StateCollector:
    """Figures read at scrape time, so every worker reports the same."""

    def collect(self):
        # Plain SQL on the tables' names: core reads no feature's models.
        from sqlalchemy import bindparam, text

        from consult.core.time import UTCDateTime, utcnow
        from consult.extensions import db

        app = current_app
        counts = {status: number for status, number in db.session.execute(
            text("SELECT status, count(*) FROM outbound_mail GROUP BY status")).all()}
        backlog = GaugeMetricFamily("consult_outbox_backlog", "Mail waiting for delivery (pending or being sent)")
        backlog.add_metric([], counts.get("pending", 0) + counts.get("sending", 0))
        yield backlog
        failed = GaugeMetricFamily("consult_mail_failed", "Mail given up on after the maximum number of attempts")
        failed.add_metric([], counts.get("failed", 0))
        yield failed
        sessions = GaugeMetricFamily("consult_open_sessions",
                                     "Accounts logged in within ABSOLUTE_TIMEOUT_HOURS (at most this many sessions open)")
        sessions.add_metric([], db.session.execute(
            text("SELECT count(*) FROM users WHERE last_login_at >= :since").bindparams(
                bindparam("since", type_=UTCDateTime())),
            {"since": utcnow() - app.config["ABSOLUTE_TIMEOUT"]}).scalar() or 0)
        yield sessions
        db.session.rollback()
        if app.config.get("REDIS_URL"):
            from consult.core.jobs import queue

            depth = GaugeMetricFamily("consult_job_queue_depth", "Jobs waiting in the RQ queue", labels=["queue"])
            depth.add_metric([app.config["RQ_QUEUE"]], queue().count)
            yield depth


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _observed(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None and request.endpoint != "metrics":
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        REQUEST_DURATION.labels(route, request.method).observe(time.perf_counter() - started)
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    return response


def metrics() -> Response:
    if not _allowed(request.remote_addr):
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_DURATION, REQUESTS):
            registry.register(collector)
    registry.register(StateCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def register_metrics(app: Flask) -> None:
    app.extensions["consult_metrics_allow"] = allowed_networks(
        app.config.get("METRICS_ALLOW", os.environ.get("METRICS_ALLOW")))
    app.before_request(_started)
    app.after_request(_observed)
    app.add_url_rule("/metrics", "metrics", metrics)


def worker_exited(pid: int) -> None:
    """gunicorn's ``child_exit``: a dead worker's live gauges leave the sum (its counts stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
