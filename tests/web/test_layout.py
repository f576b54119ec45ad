"""The shared layout: login, the role navigation, the language switch to right-to-left Arabic."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_login_page_renders_in_french(client):
    # when
    response = client.get(reverse("login"))
    # then
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()
    assert "Connexion" in response.content.decode()


@pytest.mark.django_db
def test_a_browser_preferring_english_gets_the_french_pages_and_number_formats(client):
    # when a browser set to English asks for the login page
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    # then it is served in French, so figures read "1 612" and not the English "1,612"
    assert 'lang="fr"' in response.content.decode()
    assert response.headers["Content-Language"] == "fr"


@pytest.mark.django_db
def test_home_requires_login(client):
    # when
    response = client.get(reverse("home"))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_then_home(client, personas):
    # when
    response = client.post(
        reverse("login"), {"username": "analyst", "password": factories.DEFAULT_PASSWORD}, follow=True
    )
    # then
    assert response.status_code == 200
    assert response.context["user"].username == "analyst"


def test_arabic_renders_right_to_left(client, personas):
    # given
    client.force_login(personas.analyst)
    # when
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    response = client.get(reverse("home"))
    # then
    assert 'dir="rtl"' in response.content.decode()
    assert 'lang="ar"' in response.content.decode()
    assert "النظرة الوطنية" in response.content.decode()  # the navigation is translated


def test_refused_and_missing_pages_explain_themselves_in_the_layout(client, personas):
    # given a hospital user
    client.force_login(personas.hospital_a_user)
    # when an analyst page and a page that does not exist are asked for
    refused = client.get(reverse("shortages:region_list"))
    missing = client.get("/nulle-part/")
    # then both keep the site's layout and say what happened, in French
    assert refused.status_code == 403 and missing.status_code == 404
    assert "Accès refusé" in refused.content.decode() and 'class="site-header"' in refused.content.decode()
    assert "Page introuvable" in missing.content.decode() and 'class="site-header"' in missing.content.decode()
