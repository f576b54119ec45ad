"""Celery tasks of the scoring: thin wrappers around ``shortages.services``.

Chain: ``scoring_dispatch`` starts a run and fans out one ``scoring_chunk`` per region or chunk of
establishments; the chunk that completes the run enqueues ``scoring_publish`` (national aggregation
and alert sync, one transaction, which writes the in-app notifications). E-mail goes out once a day:
the beat's ``digests_dispatch`` fans out one ``digest_send`` per user with news. Tasks take ids and
plain values, are idempotent, acknowledge late and retry only on transient (connection) errors; a
task that finally fails marks its run failed.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from shortages.choices import RunScope
from shortages.models import ScoringRun
from shortages.services import digests, learning, retention, scores, walkforward
from shortages.services.schedule import (
    conditions_changed_since_last_run,
    incremental_possible,
    predictions_unpublished,
    scoring_data_changed_since_last_run,
    scoring_run_pending_create,
)

TRANSIENT = (OperationalError, InterfaceError, BrokerError, RedisConnectionError, ConnectionError, TimeoutError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 5, "acks_late": True}
DEBOUNCE_KEY = "shortages:scoring:debounce"
logger = logging.getLogger(__name__)


def scoring_run_request(*, as_of: dt.date, trigger: str) -> ScoringRun:
    """Create a pending full run of ``as_of`` and enqueue its dispatcher once committed (in-process
    in the embedded default). A plain function: the API calls it; services never enqueue tasks."""
    with transaction.atomic():
        run = scoring_run_pending_create(as_of=as_of, trigger=trigger)
        transaction.on_commit(lambda: _dispatch_send(run_id=run.pk, trigger=trigger))
    return run


#: The error of a run whose dispatcher could not be sent: it never started, and is asked for again.
NOT_SENT = "Not started: the task could not be sent (the broker did not answer); ask for the run again."


def _dispatch_send(*, run_id: int, trigger: str) -> None:
    """Send the run's dispatcher; with the broker unreachable the run is failed at once, saying so,
    rather than left pending until a dispatch finds it an hour later (the caller reads its status)."""
    try:
        scoring_dispatch.delay(run_id=run_id, trigger=trigger)
    except Exception:  # noqa: BLE001 - kombu, redis and socket errors alike: the run is in the database
        logger.warning("scoring run %s not started: its task could not be sent", run_id, exc_info=True)
        scores.scoring_run_fail(run_id=run_id, error=NOT_SENT)


def _fail_run(run_id: int, exc: BaseException) -> None:
    scores.scoring_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(bind=True, queue="scoring", **RETRY)
def scoring_dispatch(
    self, as_of: str | None = None, scope: str = "full", trigger: str = "nightly", run_id: int | None = None
) -> int | None:
    """Start a scoring run (the pending ``run_id``, or a new one for ``as_of``, an ISO date, default
    today) and fan out its chunks; runs left running past the time limit are marked failed first.
    ``scope="incremental"`` re-scores only the changed positions when the day already has a
    succeeded run (PostgreSQL), else runs in full. Nothing starts while a run of the day is running
    (a redelivered or overlapping request returns None)."""
    scores.scoring_runs_fail_stale()
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    if scope == RunScope.INCREMENTAL and run_id is None and incremental_possible(as_of=day):
        from shortages.services.incremental import scoring_run_incremental_execute

        try:
            return scoring_run_incremental_execute(as_of=day, trigger=trigger).pk
        except scores.RunInProgress:
            return None
    try:
        started = scores.scoring_run_start(
            as_of=day, scope=RunScope.FULL, trigger=trigger, task_id=self.request.id or "", run_id=run_id
        )
    except scores.RunInProgress as busy:
        if run_id is not None:
            scores.scoring_run_fail(run_id=run_id, error=f"Not started: {busy}")
        return None
    run_id = started.run.pk
    if not started.chunks:
        transaction.on_commit(lambda: scoring_publish.delay(run_id))
    for chunk in started.chunks:
        transaction.on_commit(lambda chunk=chunk: scoring_chunk.delay(run_id, chunk))
    return run_id


@shared_task(bind=True, queue="scoring", soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def scoring_chunk(self, run_id: int, establishment_ids: list[int]) -> None:
    """Score one chunk of establishments; the last chunk enqueues the publication. On PostgreSQL the
    chunks of a run are stored in parallel by as many workers as there are."""
    try:
        last = scores.scoring_chunk_execute(
            run_id=run_id, establishment_ids=establishment_ids, shared_lock=connection.vendor == "postgresql"
        )
    except TRANSIENT:
        raise
    except Exception as exc:
        _fail_run(run_id, exc)
        raise
    if last:
        transaction.on_commit(lambda: scoring_publish.delay(run_id))


@shared_task(bind=True, queue="scoring", soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def scoring_publish(self, run_id: int) -> None:
    """Publish the run's national scores and synchronise alerts (the daily digest e-mails the news)."""
    try:
        scores.scoring_run_publish(run_id=run_id)
    except TRANSIENT:
        raise
    except Exception as exc:
        _fail_run(run_id, exc)
        raise


@shared_task(queue="notifications", **RETRY)
def digests_dispatch(day: str | None = None) -> int:
    """Beat, once a day: one ``digest_send`` per user with news for the day (ISO date, default
    today). Returns how many were enqueued."""
    when = dt.date.fromisoformat(day) if day else timezone.localdate()
    recipients = digests.digest_recipients(day=when)
    for user_id in recipients:
        digest_send.delay(user_id, when.isoformat())
    return len(recipients)


@shared_task(queue="notifications", **RETRY)
def digest_send(user_id: int, day: str) -> bool:
    """Send one user's digest of ``day``; a second delivery sends nothing."""
    return digests.digest_send(user_id=user_id, day=dt.date.fromisoformat(day)) is not None


@shared_task(queue="scoring", **RETRY)
def scoring_request(trigger: str = "data_change") -> bool:
    """Ask for a run soon (after an import or a declaration review): debounced, at most one run per
    ``SCORING_DEBOUNCE_SECONDS``, started that long after the first request."""
    if not cache.add(DEBOUNCE_KEY, trigger, timeout=settings.SCORING_DEBOUNCE_SECONDS):
        return False
    scoring_dispatch.apply_async(
        kwargs={"trigger": trigger, "scope": RunScope.INCREMENTAL}, countdown=settings.SCORING_DEBOUNCE_SECONDS
    )
    return True


@shared_task(queue="scoring", **RETRY)
def scoring_watch() -> bool:
    """Beat: request a full run when the VEN classes or the parameters the alerts are evaluated with
    changed since the last run, an (incremental) run when stock, consumption, imports or declarations
    changed; and, when scoring runs do not compute the month's predictions, their refresh when they are
    missing or stale (which requests its own run once they are stored), or a full run when they
    were computed after the last run and none is pending or running to publish them."""
    if not settings.PREDICTIONS_COMPUTED_IN_RUNS:
        if learning.month_predictions_due(as_of=timezone.localdate()):
            month_predictions_refresh.delay()
        elif predictions_unpublished():
            scoring_run_request(as_of=timezone.localdate(), trigger="predictions")
            return True
    if conditions_changed_since_last_run(as_of=timezone.localdate()):
        scoring_run_request(as_of=timezone.localdate(), trigger="conditions")
        return True
    if scoring_data_changed_since_last_run():
        return scoring_request(trigger="data_change")
    return False


@shared_task(queue="scoring", soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def month_predictions_refresh(as_of: str | None = None) -> int:
    """Compute the active models' predictions from the end of the last month complete on ``as_of``
    (ISO date, default today) where they are missing or stale, then request a full run of that day
    that publishes them. Returns how many models predicted positions (0: already fresh, or a month
    without reports yet: no run requested)."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    computed = learning.month_predictions_refresh(as_of=day)
    if computed:
        scoring_run_request(as_of=day, trigger="predictions")
    return computed


@shared_task(queue="scoring", soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def prediction_models_train(until: str | None = None, seed: int | None = None, backtest: bool = True) -> list[int]:
    """Train and activate the learned models on the history up to the month ``until`` (ISO date,
    default the last complete month), then run and store the walk-forward backtest."""
    trained = learning.prediction_models_train(until=dt.date.fromisoformat(until) if until else None, seed=seed)
    if trained.models and not settings.PREDICTIONS_COMPUTED_IN_RUNS:
        month_predictions_refresh.delay()
    if backtest and trained.models:
        prediction_backtest.delay(seed=seed)
    return [row.version for row in trained.models]


@shared_task(queue="scoring", soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT, **RETRY)
def prediction_backtest(seed: int | None = None) -> list[int]:
    """Walk forward over the history and store the report of each horizon."""
    return [stored.pk for stored in walkforward.backtest_run(seed=seed).reports.values()]


@shared_task(queue="scoring", **RETRY)
def score_history_purge() -> dict[str, int]:
    """Beat, nightly before the scoring: delete the score history older than the retention
    settings (shortages.services.retention). Returns how many rows of each kind went."""
    purged = retention.score_history_purge()
    return vars(purged)
