"""gunicorn settings of the production profile (``bin/prod``); every value can be set from the
environment. Threads suit this application: requests wait on PostgreSQL far more than they compute."""

import multiprocessing
import os

# Production settings whatever the environment says, as bin/prod sets them: gunicorn started alone
# with this file (a further web machine, docs/deployment.md) would otherwise run with DEBUG on (the
# embedded default: tracebacks shown, no HTTPS redirect, cookies not secure) and text logs. Set here,
# as gunicorn reads this file (its module is named ``__config__``): the JSON formatter of
# ``logconfig_dict`` below imports the ``config`` package, hence Django's settings, in the master
# before gunicorn applies ``raw_env``. Another reader of the file (a test) leaves its environment alone.
if __name__ == "__config__":
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["LOG_FORMAT"] = os.environ.get("LOG_FORMAT") or "json"

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak never grows unbounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
# Requests are logged by config.middleware.RequestIdMiddleware (one JSON line each), not twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Only the local reverse proxy may say which scheme and client the request came from.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "medwatch-web"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
