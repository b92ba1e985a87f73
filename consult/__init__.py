"""Consult: market consultation and dialogue before procuring Wmo social support."""
from __future__ import annotations

import importlib
import os

from flask import Flask

from config import CONFIGS, Config


def create_app(config: type[Config] | str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, handlers, commands."""
    app = Flask(__name__, instance_path=str(_config_class(config).INSTANCE_DIR))
    register_logging(app)
    register_config(app, config)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_metrics(app)
    register_static(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    from consult.core.logs import register_logging as register

    register(app)


def register_metrics(app: Flask) -> None:
    from consult.core.metrics import register_metrics as register

    register(app)


def _config_class(config: type[Config] | str | None) -> type[Config]:
    if config is None:
        config = os.environ.get("CONSULT_ENV") or _unset_environment()
    if isinstance(config, str):
        return CONFIGS[config]
    return config


def _unset_environment() -> str:
    """Without CONSULT_ENV, the development configuration (its published key, debug-friendly
    defaults) is taken only by the ``flask`` command (``flask run``, ``flask demo`` …). Any other
    server (gunicorn without its config file, another WSGI server) must say what it runs."""
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        return "development"
    raise RuntimeError("CONSULT_ENV is not set. Set CONSULT_ENV=production to serve the application "
                       "(gunicorn.conf.py does), or use `flask --app consult run` for development.")


def register_config(app: Flask, config: type[Config] | str | None) -> None:
    config_class = _config_class(config)
    config_class.validate()
    app.config.from_object(config_class)
    pooler = app.config.get("DATABASE_POOLER")
    if pooler not in (None, "session", "transaction"):
        raise RuntimeError(f"DATABASE_POOLER is {pooler!r}; use 'transaction' (PgBouncer's transaction "
                           "mode), 'session', or leave it unset.")
    if str(app.config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("postgresql"):
        # Each worker holds at most pool + overflow connections; see "Connections" in the README.
        options = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_size": app.config["DB_POOL_SIZE"],
            "max_overflow": app.config["DB_MAX_OVERFLOW"],
            "pool_timeout": app.config["DB_POOL_TIMEOUT"],
        }
        if pooler == "transaction":
            # psycopg prepares a statement on the server after its fifth use; behind a transaction
            # pooler a later transaction may run on another server connection, which lacks it.
            options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    os.makedirs(app.instance_path, exist_ok=True)


def register_extensions(app: Flask) -> None:
    import consult.models  # noqa: F401  (all tables known to the metadata)
    from consult.core.i18n import select_locale, select_timezone
    from consult.core.limits import configure_limits
    from consult.extensions import babel, csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrations = os.path.join(os.path.dirname(app.root_path), "migrations")
    if not os.path.isdir(migrations):  # an installed wheel carries them in the package (make dist)
        migrations = os.path.join(app.root_path, "migrations")
    migrate.init_app(app, db, directory=migrations)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    configure_limits(app)

    from consult.auth import session  # noqa: F401  (registers the user loader)


def register_converters(app: Flask) -> None:
    """Before the blueprints: their rules take the converters registered when they are added."""
    from consult.core.converters import DatabaseIntConverter

    app.url_map.converters["int"] = DatabaseIntConverter


def register_blueprints(app: Flask) -> None:
    # Views are imported here, not by their packages, so models import without side effects.
    from consult.admin import bp as admin_bp  # noqa: F401
    from consult.admin import views as _admin_views  # noqa: F401
    from consult.advice import bp as advice_bp  # noqa: F401
    from consult.advice import views as _advice_views  # noqa: F401
    from consult.analysis import bp as analysis_bp  # noqa: F401
    from consult.analysis import views as _analysis_views  # noqa: F401
    from consult.api import bp as api_bp  # noqa: F401
    from consult.api import views as _api_views  # noqa: F401
    from consult.audit import bp as audit_bp  # noqa: F401
    from consult.audit import views as _audit_views  # noqa: F401
    from consult.auth import bp as auth_bp  # noqa: F401
    from consult.auth import views as _auth_views  # noqa: F401
    from consult.consultations import bp as consultations_bp  # noqa: F401
    from consult.consultations import views as _consultation_views  # noqa: F401
    from consult.core import bp as core_bp  # noqa: F401
    from consult.core import views as _core_views  # noqa: F401
    from consult.dialogue import bp as dialogue_bp  # noqa: F401
    from consult.dialogue import views as _dialogue_views  # noqa: F401
    from consult.drafts import bp as drafts_bp  # noqa: F401
    from consult.drafts import views as _drafts_views  # noqa: F401
    from consult.home import bp as home_bp  # noqa: F401
    from consult.home import views as _home_views  # noqa: F401
    from consult.notify import bp as notify_bp  # noqa: F401
    from consult.notify import views as _notify_views  # noqa: F401
    from consult.orgs import bp as orgs_bp  # noqa: F401
    from consult.orgs import views as _orgs_views  # noqa: F401
    from consult.privacy import bp as privacy_bp  # noqa: F401
    from consult.privacy import views as _privacy_views  # noqa: F401
    from consult.qa import bp as qa_bp  # noqa: F401
    from consult.qa import views as _qa_views  # noqa: F401
    from consult.reports import bp as reports_bp  # noqa: F401
    from consult.reports import views as _report_views  # noqa: F401
    from consult.responses import bp as responses_bp  # noqa: F401
    from consult.responses import views as _response_views  # noqa: F401
    from consult.sessions import bp as sessions_bp  # noqa: F401
    from consult.sessions import views as _sessions_views  # noqa: F401
    from consult.sso import bp as sso_bp  # noqa: F401
    from consult.sso import views as _sso_views  # noqa: F401
    from consult.strategy import answers as _strategy_answers  # noqa: F401  (see core/evidence.py)
    from consult.strategy import bp as strategy_bp  # noqa: F401
    from consult.strategy import views as _strategy_views  # noqa: F401
    from consult.tariffs import bp as tariffs_bp  # noqa: F401
    from consult.tariffs import views as _tariffs_views  # noqa: F401
    # Each feature registers its notification kinds (wording, recipients) with notify.
    for feature in ("consultations", "responses", "dialogue", "qa", "advice", "strategy", "reports", "sessions", "drafts",
                    "tariffs"):
        importlib.import_module(f"consult.{feature}.notifications")

    app.register_blueprint(core_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(responses_bp)
    app.register_blueprint(dialogue_bp)
    app.register_blueprint(qa_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(drafts_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(advice_bp)
    app.register_blueprint(analysis_bp)
    app.register_blueprint(tariffs_bp)
    app.register_blueprint(strategy_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(audit_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(sso_bp)


def register_request_hooks(app: Flask) -> None:
    from consult.auth.session import enforce_session_timeouts
    from consult.auth.two_factor_views import enforce_two_factor
    from consult.core.jobs import after_request_jobs
    from consult.core.outbox import after_request_delivery
    from consult.core.security import register_security

    register_security(app)
    app.before_request(enforce_session_timeouts)
    app.before_request(enforce_two_factor)
    app.after_request(after_request_delivery)
    app.after_request(after_request_jobs)


def register_static(app: Flask) -> None:
    from consult.core.assets import register_assets

    register_assets(app)


def register_error_handlers(app: Flask) -> None:
    from consult.core.errors import register_errors

    register_errors(app)


def register_template_helpers(app: Flask) -> None:
    from consult.consultations.display import register_display as register_consultation_display
    from consult.core.templating import register_templating
    from consult.notify.services import unread_count
    from consult.permissions import PREDICATES
    from consult.responses.display import register_display as register_response_display

    register_templating(app)
    app.jinja_env.globals.update(PREDICATES)
    app.jinja_env.globals["unread_notifications"] = \
        lambda user: unread_count(user) if user and user.is_authenticated else 0
    register_consultation_display(app)
    register_response_display(app)


def register_commands(app: Flask) -> None:
    from consult.cli import register_cli

    register_cli(app)
