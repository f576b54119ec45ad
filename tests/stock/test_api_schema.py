"""The OpenAPI 3 schema documents the stock API, and its viewers load nothing from another host."""

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db

STOCK_PATHS = [
    "/api/v1/regions/",
    "/api/v1/establishments/",
    "/api/v1/medicines/",
    "/api/v1/products/",
    "/api/v1/stock-levels/",
    "/api/v1/lots/",
    "/api/v1/movements/",
    "/api/v1/movements/bulk/",
    "/api/v1/transfers/",
    "/api/v1/monthly-reports/",
    "/api/v1/monthly-reports/upload/",
    "/api/v1/import-jobs/",
    "/api/v1/consumption/",
]


def test_the_schema_is_openapi_3_with_every_stock_resource(client, personas):
    # given
    client.force_login(personas.hospital_a_user)

    # when
    schema = yaml.safe_load(client.get("/api/schema/").content)

    # then
    assert schema["openapi"].startswith("3.")
    assert set(STOCK_PATHS) <= set(schema["paths"])
    bulk_headers = {parameter["name"] for parameter in schema["paths"]["/api/v1/movements/bulk/"]["post"]["parameters"]}
    assert "Idempotency-Key" in bulk_headers
    filters = {parameter["name"] for parameter in schema["paths"]["/api/v1/stock-levels/"]["get"]["parameters"]}
    assert {"establishment", "medicine", "region", "atc", "status", "cursor"} <= filters


@pytest.mark.parametrize("url", ["/api/schema/swagger/", "/api/schema/redoc/"])
def test_the_schema_viewers_load_their_assets_from_this_site(client, personas, url):
    client.force_login(personas.hospital_a_user)

    page = client.get(url).content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
