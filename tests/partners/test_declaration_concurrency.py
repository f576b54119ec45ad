"""Concurrent submissions of one period on the real PostgreSQL: versions stay consecutive and only
one of them is current."""

import datetime as dt
import threading

import pytest
from django.db import connection

from partners.models import SupplyDeclaration
from partners.services.declarations import DeclarationData, declaration_submit
from tests import factories


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_of_one_period_get_consecutive_versions():
    # given a company user and a period with no declaration yet
    company = factories.CompanyFactory()
    user = factories.UserFactory(roles=["industry"])
    company.organization.users.add(user)
    medicine = factories.MedicineFactory()
    barrier, errors = threading.Barrier(4), []

    def submit(stock):
        try:
            barrier.wait()
            data = DeclarationData(
                company=company, medicine=medicine, month=dt.date(2026, 9, 1), stock_on_hand=stock, monthly_sales=1
            )
            declaration_submit(user=user, data=data)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(stock,)) for stock in range(4)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    versions = list(SupplyDeclaration.objects.order_by("version").values_list("version", "is_current"))
    assert [version for version, _ in versions] == [1, 2, 3, 4]
    assert [current for _, current in versions] == [False, False, False, True]
