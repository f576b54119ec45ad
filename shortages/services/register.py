"""The shortage register: open, update, propose from alerts and declared disruptions, mitigation actions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from partners.models import SupplyDeclaration
from shortages.choices import ActionStatus, AlertKind, ShortageCause, ShortageScope, ShortageStatus
from shortages.models import Alert, MitigationAction, Shortage
from stock import roles

OPEN_STATUSES = (ShortageStatus.ANTICIPATED, ShortageStatus.ONGOING)
SHORTAGE_FIELDS = {"status", "cause", "description", "expected_end", "actual_end", "started_on"}
ACTION_FIELDS = {"kind", "description", "owner", "owner_organization", "due_date", "status", "quantity"}


def _require_analyst(user) -> None:
    if not roles.is_analyst(user):
        raise PermissionDenied("Only analysts keep the shortage register.")


def _check(shortage: Shortage) -> Shortage:
    """Validate with errors that name the field, then run the model's own checks."""
    errors: dict[str, list[str]] = {}
    if shortage.scope == ShortageScope.REGIONAL and shortage.region_id is None:
        errors["region"] = ["A regional shortage names its region."]
    if shortage.scope == ShortageScope.ESTABLISHMENT and shortage.establishment_id is None:
        errors["establishment"] = ["An establishment shortage names its establishment."]
    for name in ("expected_end", "actual_end"):
        value = getattr(shortage, name)
        if value is not None and shortage.started_on and value < shortage.started_on:
            errors[name] = ["This date is before the start of the shortage."]
    if errors:
        raise ValidationError(errors)
    if shortage.status in (ShortageStatus.RESOLVED, ShortageStatus.AVOIDED) and shortage.actual_end is None:
        shortage.actual_end = timezone.localdate()
    if shortage.status == ShortageStatus.ONGOING and shortage.actual_end is not None:
        raise ValidationError({"actual_end": ["An ongoing shortage has no actual end date."]})
    shortage.full_clean(exclude=["created_by", "source_alert", "source_declaration"])
    return shortage


@transaction.atomic
def shortage_open(
    *,
    user,
    medicine,
    cause: str,
    started_on: dt.date,
    scope: str = ShortageScope.NATIONAL,
    status: str = ShortageStatus.ANTICIPATED,
    region=None,
    establishment=None,
    expected_end: dt.date | None = None,
    actual_end: dt.date | None = None,
    description: str = "",
    source_alert: Alert | None = None,
    source_declaration: SupplyDeclaration | None = None,
) -> Shortage:
    """Record a shortage of ``medicine`` over a scope with its coded cause: anticipated or ongoing,
    or already resolved or avoided (``actual_end``, today when not given)."""
    _require_analyst(user)
    if scope == ShortageScope.ESTABLISHMENT and establishment is not None and region is None:
        region = establishment.region
    shortage = _check(
        Shortage(
            medicine=medicine,
            cause=cause,
            started_on=started_on,
            scope=scope,
            status=status,
            region=region,
            establishment=establishment,
            expected_end=expected_end,
            actual_end=actual_end,
            description=description,
            source_alert=source_alert,
            source_declaration=source_declaration,
            created_by=user,
        )
    )
    shortage.save()
    return shortage


@transaction.atomic
def shortage_update(*, shortage_id: int, user, **changes) -> Shortage:
    """Change the status, cause, dates or description of a shortage (resolved/avoided sets the end)."""
    _require_analyst(user)
    unknown = set(changes) - SHORTAGE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    shortage = Shortage.objects.select_for_update().get(pk=shortage_id)
    for name, value in changes.items():
        setattr(shortage, name, value)
    _check(shortage).save(update_fields=[*changes, "actual_end", "updated_at"])
    return shortage


@transaction.atomic
def shortage_open_from_alert(*, alert_id: int, user) -> Shortage:
    """Turn a national alert (national risk, disruption, safety stock) into an anticipated national
    shortage; the cause is the declared one for a disruption, else "other" until an analyst codes it."""
    alert = Alert.objects.select_related("medicine").get(pk=alert_id)
    if alert.establishment_id is not None:
        raise ValidationError({"alert": ["Only national alerts propose a shortage."]})
    if Shortage.objects.filter(
        medicine=alert.medicine, status__in=OPEN_STATUSES, scope=ShortageScope.NATIONAL
    ).exists():
        raise ValidationError({"alert": ["An open national shortage of this medicine is already registered."]})
    declaration = None
    cause = ShortageCause.OTHER
    if alert.kind == AlertKind.DISRUPTION:
        declaration = (
            SupplyDeclaration.objects.current().accepted().filter(medicine=alert.medicine, disruption=True).first()
        )
        cause = declaration.disruption_cause if declaration else cause
    return shortage_open(
        user=user,
        medicine=alert.medicine,
        cause=cause,
        started_on=timezone.localdate(),
        description=alert.message,
        source_alert=alert,
        source_declaration=declaration,
    )


@transaction.atomic
def shortage_open_from_declaration(*, declaration_id: int, user) -> Shortage:
    """Turn an accepted declaration of a disruption into an anticipated national shortage with the
    declared cause and dates."""
    declaration = SupplyDeclaration.objects.select_related("medicine").get(pk=declaration_id)
    if not declaration.disruption or declaration.status != "accepted":
        raise ValidationError({"declaration": ["Only an accepted declaration of a disruption proposes a shortage."]})
    if Shortage.objects.filter(source_declaration=declaration).exists():
        raise ValidationError({"declaration": ["A shortage was already opened from this declaration."]})
    return shortage_open(
        user=user,
        medicine=declaration.medicine,
        cause=declaration.disruption_cause or ShortageCause.OTHER,
        started_on=declaration.disruption_start or declaration.month,
        expected_end=declaration.disruption_end,
        source_declaration=declaration,
    )


@transaction.atomic
def action_add(*, shortage_id: int, user, kind: str, **fields) -> MitigationAction:
    """Add a mitigation action (alternative, exceptional import, reallocation...) with its owner and due date."""
    _require_analyst(user)
    shortage = Shortage.objects.select_for_update().get(pk=shortage_id)
    action = MitigationAction(shortage=shortage, kind=kind, **fields)
    if kind == "reallocation" and (action.from_establishment_id is None or action.to_establishment_id is None):
        raise ValidationError({"from_establishment": ["A reallocation names the source and destination."]})
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_update(*, action_id: int, user, **changes) -> MitigationAction:
    """Change an action's status, owner, due date or description."""
    _require_analyst(user)
    unknown = set(changes) - ACTION_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    action = MitigationAction.objects.select_for_update().get(pk=action_id)
    for name, value in changes.items():
        setattr(action, name, value)
    if action.status not in ActionStatus.values:
        raise ValidationError({"status": ["Unknown status."]})
    action.full_clean()
    action.save(update_fields=[*changes, "updated_at"])
    return action
