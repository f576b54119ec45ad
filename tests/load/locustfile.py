"""Hospitals' API traffic for the load test: mostly reads of their own stock and risk, some writes.

Each simulated user is a hospital's pharmacy software with its own token (see prepare_users.py):
- reads: its stock levels (one page), one position's stock level, one position's risk scores, its
  latest movements;
- writes: a receipt of one unit with an ``Idempotency-Key``, and now and then the same request sent
  again (a retry after a lost answer), which must give the first answer back.

Requests claim HTTPS through ``X-Forwarded-Proto`` as the TLS-terminating proxy would.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import uuid

from locust import HttpUser, between, task

USERS = json.loads(open(os.environ.get("LOAD_USERS_FILE", "var/load-users.json")).read())  # noqa: SIM115
_next_user = itertools.count()


class Hospital(HttpUser):
    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        profile = USERS[next(_next_user) % len(USERS)]
        self.establishment = profile["establishment"]
        self.medicines = profile["medicines"]
        self.client.headers.update(
            {"Authorization": f"Bearer {profile['token']}", "X-Forwarded-Proto": "https", "Accept": "application/json"}
        )
        self.last_write: tuple[str, dict] | None = None

    def medicine(self) -> dict:
        return random.choice(self.medicines)

    @task(4)
    def stock_levels(self) -> None:
        self.client.get(
            "/api/v1/stock-levels/", params={"establishment": self.establishment["code"]}, name="stock levels"
        )

    @task(3)
    def position_level(self) -> None:
        params = {"establishment": self.establishment["code"], "medicine": self.medicine()["code"]}
        self.client.get("/api/v1/stock-levels/", params=params, name="one position's level")

    @task(3)
    def position_risk(self) -> None:
        params = {"establishment": self.establishment["id"], "medicine": self.medicine()["id"]}
        self.client.get("/api/v1/risk-scores/", params=params, name="one position's risk")

    @task(1)
    def movements(self) -> None:
        params = {"establishment": self.establishment["code"], "page_size": 20}
        self.client.get("/api/v1/movements/", params=params, name="latest movements")

    @task(3)
    def receipt(self) -> None:
        key = uuid.uuid4().hex
        body = {
            "establishment": self.establishment["code"],
            "medicine": self.medicine()["code"],
            "kind": "receipt",
            "business_date": dt.date.today().isoformat(),
            "quantity": 1,
            "reason": "load test",
        }
        with self.client.post(
            "/api/v1/movements/",
            json=body,
            headers={"Idempotency-Key": key},
            name="post a receipt",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
        self.last_write = (key, body)

    @task(1)
    def retry_receipt(self) -> None:
        if self.last_write is None:
            return
        key, body = self.last_write
        with self.client.post(
            "/api/v1/movements/",
            json=body,
            headers={"Idempotency-Key": key},
            name="retry a receipt",
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]}")
