"""Password guessing is locked out: per username and address, then per address."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.factories import DEFAULT_PASSWORD


def login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_it_locks_a_username_out_after_repeated_failures_even_with_the_right_password(client, personas):
    # given three wrong passwords for one username
    for _ in range(3):
        assert login(client, "hospital_a", "wrong-password").status_code == 200

    # when the right password is sent
    response = login(client, "hospital_a", DEFAULT_PASSWORD)

    # then the login is refused with the lock-out message, and the user stays anonymous
    assert response.status_code == 200
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_it_still_lets_the_same_user_in_from_another_address(client, personas):
    # given a username locked out from one address
    for _ in range(3):
        login(client, "hospital_a", "wrong-password", address="10.0.0.1")

    # when the user logs in from another address
    response = login(client, "hospital_a", DEFAULT_PASSWORD, address="10.0.0.2")

    # then the login succeeds
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personas.hospital_a_user.pk)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_successful_login_clears_earlier_failures(client, personas):
    # given two failures then a success
    login(client, "hospital_a", "wrong-password")
    login(client, "hospital_a", "wrong-password")
    assert login(client, "hospital_a", DEFAULT_PASSWORD).status_code == 302
    client.logout()

    # when two more failures follow
    login(client, "hospital_a", "wrong-password")
    login(client, "hospital_a", "wrong-password")

    # then the counter restarted: the right password still works
    assert login(client, "hospital_a", DEFAULT_PASSWORD).status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=100, LOGIN_FAILURE_LIMIT_PER_IP=4)
def test_it_locks_an_address_that_sprays_many_usernames(client, personas):
    # given one address trying one password against many usernames
    for username in ("u1", "u2", "u3", "u4"):
        login(client, username, "Password123!")

    # when a real user logs in from that address
    response = login(client, "hospital_a", DEFAULT_PASSWORD)

    # then the address is locked out
    assert "Trop de tentatives" in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_the_admin_login_is_throttled_too(client, personas):
    # given two failed admin logins
    for _ in range(2):
        client.post("/admin/login/", {"username": "analyst", "password": "nope"}, REMOTE_ADDR="10.0.0.9")

    # when the right password is sent to the admin
    personas.analyst.is_staff = True
    personas.analyst.save(update_fields=["is_staff"])
    client.post("/admin/login/", {"username": "analyst", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.0.9")

    # then no session was opened
    assert "_auth_user_id" not in client.session


def test_weak_passwords_are_rejected_by_the_validators(personas):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    # when a short, common, numeric password is validated
    with pytest.raises(ValidationError) as error:
        validate_password("12345678", user=personas.analyst)

    # then each weakness is named
    codes = {item.code for item in error.value.error_list}
    assert {"password_too_short", "password_too_common", "password_entirely_numeric"} <= codes
