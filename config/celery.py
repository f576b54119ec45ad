"""The Celery application: tasks are discovered in each app's ``tasks.py``.

Queues: ``scoring`` (risk scoring and alert sync), ``imports`` (uploads), ``notifications``
(e-mail), ``default``. In the embedded default, tasks run eagerly in the calling process.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("medwatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each queue gets its own routing key: with one shared key a message would reach every queue.
app.conf.task_queues = [Queue(name, routing_key=name) for name in ("default", "scoring", "imports", "notifications")]
app.autodiscover_tasks()

# Monthly declaration duty (arrêté 263-02): reminder on the 1st, late list on the 6th, 08:00 local.
from celery.schedules import crontab  # noqa: E402

app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "partners-declaration-reminders": {
        "task": "partners.tasks.declaration_reminders",
        "schedule": crontab(minute=0, hour=8, day_of_month=1),
        "options": {"queue": "notifications"},
    },
    "stock-report-jobs-requeue": {
        "task": "stock.tasks.monthly_report_jobs_requeue",
        "schedule": crontab(minute="*/5"),
        "options": {"queue": "imports"},
    },
    "partners-late-declarants": {
        "task": "partners.tasks.late_declarants_report",
        "schedule": crontab(minute=0, hour=8, day_of_month=6),
        "options": {"queue": "notifications"},
    },
}

# Risk scoring: every night at 02:30 local, and soon after data changes (watched every 15 minutes,
# debounced by SCORING_DEBOUNCE_SECONDS in shortages.tasks.scoring_request).
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "shortages-nightly-scoring": {
        "task": "shortages.tasks.scoring_dispatch",
        "schedule": crontab(minute=30, hour=2),
        "kwargs": {"trigger": "nightly"},
        "options": {"queue": "scoring"},
    },
    "shortages-score-history-purge": {
        "task": "shortages.tasks.score_history_purge",
        "schedule": crontab(minute=0, hour=2),
        "options": {"queue": "scoring"},
    },
    "shortages-scoring-watch": {
        "task": "shortages.tasks.scoring_watch",
        "schedule": crontab(minute="*/15"),
        "options": {"queue": "scoring"},
    },
}

# Alert e-mail: one digest per user and day, after the nightly scoring, at DIGEST_HOUR local time
# (default 7; docs/alerts.md).
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "shortages-daily-digests": {
        "task": "shortages.tasks.digests_dispatch",
        "schedule": crontab(minute=0, hour=int(os.environ.get("DIGEST_HOUR", "7"))),
        "options": {"queue": "notifications"},
    },
}

# The learned prediction: trained on the 6th at 01:00 local (the month's reports are due by the
# 5th), then backtested; the nightly scoring that follows uses the new model (docs/scoring.md).
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "shortages-monthly-training": {
        "task": "shortages.tasks.prediction_models_train",
        "schedule": crontab(minute=0, hour=1, day_of_month=6),
        "options": {"queue": "scoring"},
    },
}
