"""Creates one API user per hospital for the load test, with a token, and writes what the locust
users need (token, establishment, medicines stocked there) as JSON.

    DATABASE_URL=... .venv/bin/python tests/load/prepare_users.py var/load-users.json [count]

Run it against a database filled by ``manage.py demo``; it only adds users and tokens.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db.models import Count  # noqa: E402

from stock import roles  # noqa: E402
from stock.choices import EstablishmentLevel  # noqa: E402
from stock.models import ApiToken, Establishment, StockLevel  # noqa: E402

MEDICINES_PER_USER = 30


def main(path: str, count: int) -> None:
    establishments = (
        Establishment.objects.filter(level=EstablishmentLevel.HOSPITAL)
        .annotate(positions=Count("stock_levels"))
        .filter(positions__gt=0)
        .order_by("-positions", "code")[:count]
    )
    group = Group.objects.get(name=roles.ESTABLISHMENT)
    users = []
    for establishment in establishments:
        user, _ = get_user_model().objects.get_or_create(username=f"load-{establishment.code}".lower()[:150])
        user.groups.add(group)
        establishment.users.add(user)
        _, raw = ApiToken.issue(user=user, name="load test")
        medicines = list(
            StockLevel.objects.filter(establishment=establishment, quantity__gt=0)
            .order_by("medicine__code")
            .values("medicine_id", "medicine__code")[:MEDICINES_PER_USER]
        )
        users.append(
            {
                "token": raw,
                "establishment": {"id": establishment.pk, "code": establishment.code},
                "medicines": [{"id": row["medicine_id"], "code": row["medicine__code"]} for row in medicines],
            }
        )
    Path(path).write_text(json.dumps(users, indent=1))
    print(f"{len(users)} load users written to {path}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 16)
