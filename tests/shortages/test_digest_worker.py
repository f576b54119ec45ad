"""A real Celery worker on Redis sends the daily digests: one e-mail per user and day, however many
times the day's dispatch or a user's digest task is delivered."""

from __future__ import annotations

import email
import time
from pathlib import Path

import pytest
from django.utils import timezone

from shortages.models import Digest, Notification
from shortages.tasks import digest_send, digests_dispatch
from tests.shortages.test_digests import escalate
from tests.shortages.test_worker import start_worker, stop_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def sent_messages(folder: Path) -> list[email.message.Message]:
    """The e-mails the worker's file backend wrote (one file per connection, messages separated by
    a line of dashes)."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                messages.append(email.message_from_string(chunk.strip()))
    return messages


def test_a_real_worker_sends_one_digest_per_user_and_day(personas, tmp_path, monkeypatch):
    # given alerts escalated after the first run: news for five users
    from tests.shortages.routing_world import build_routing_world

    world = build_routing_world(personas)
    escalate(world)
    users = set(Notification.objects.values_list("user_id", flat=True))
    assert len(users) == 5
    # and a worker whose e-mails land in files
    outbox = tmp_path / "mail"
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(outbox))
    log = tmp_path / "worker.log"
    process = start_worker(log)
    try:
        # when the day's dispatch is delivered twice, and one user's digest task once more
        day = timezone.localdate()
        assert digests_dispatch.delay().get(timeout=120) == 5
        deadline = time.monotonic() + 120
        while Digest.objects.filter(day=day, sent_at__isnull=False).count() < 5:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the digests were not sent:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        assert digests_dispatch.delay().get(timeout=120) == 0
        assert digest_send.delay(personas.hospital_a_user.pk, day.isoformat()).get(timeout=120) is False
    finally:
        stop_worker(process)
    # then each user got exactly one e-mail, listing the alerts of their inbox
    messages = sent_messages(outbox)
    recipients = sorted(message["To"] for message in messages)
    expected = sorted(
        user.email
        for user in (
            personas.analyst,
            world.regional_analyst,
            world.province_analyst,
            personas.hospital_a_user,
            personas.hospital_b_user,
        )
    )
    assert recipients == expected
    assert Digest.objects.filter(day=day).count() == 5
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
