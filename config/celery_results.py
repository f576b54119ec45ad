"""The Celery result backend of the services profile: Redis, without a subscription per task sent.

Celery's Redis backend subscribes to a task's result channel the moment the task is sent, so that a
later ``.get()`` can be told of the result. Nothing in the application waits for a result (tasks
write what they do to the database), and the subscription made every send wait for the result
store: with Redis unreachable, a ``delay()`` in a web request retried for about 19 s, then raised a
``RuntimeError`` ("the Celery application must be restarted") instead of the broker's connection
error, so that a monthly report upload answered 202 after 19 s and a scoring run request failed
after as long. Here the subscription is made when someone waits for the result (``.get()``
subscribes, then reads the stored result, so none is missed), and sending only talks to the broker:
with Redis down it fails within a second with ``kombu.exceptions.OperationalError``.
"""

from __future__ import annotations

from celery.backends.redis import RedisBackend


class RedisResultBackend(RedisBackend):
    """Celery's Redis result backend, subscribing to a result only when it is waited for."""

    def on_task_call(self, producer, task_id):
        """Sending a task subscribes to nothing (``AsyncBackendMixin.add_pending_result`` does, on
        ``.get()``)."""
