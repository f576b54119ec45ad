"""URLs used only by the audit tests: a page write and an API write that record field-level
changes themselves, next to the site's own URLs."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from stock.audit import audit_diff, audit_record, audit_snapshot
from stock.models import Region


def rename_region(request, pk: int):
    region = Region.objects.get(pk=pk)
    before = audit_snapshot(region, ["name_fr"])
    region.name_fr = request.POST["name_fr"]
    region.save(update_fields=["name_fr"])
    audit_record(
        actor=request.user,
        action="rename",
        obj=region,
        changes=audit_diff(before=before, after=audit_snapshot(region, ["name_fr"])),
    )
    return HttpResponseRedirect("/")


@api_view(["POST"])
def echo(request):
    return Response({"id": 42, "received": request.data}, status=201)


urlpatterns = [
    path("test/regions/<int:pk>/rename/", rename_region, name="test-region-rename"),
    path("test/api/echo/", echo, name="test-echo"),
    path("", include("config.urls")),
]
