"""The shortage register: open, update, propose from alerts and declared disruptions, mitigation actions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import SupplyDeclaration
from shortages.choices import ActionStatus, ShortageCause, ShortageScope, ShortageStatus
from shortages.models import Alert, MitigationAction, Shortage
from shortages.selectors import shortage_proposed_by_alert
from stock import roles
from stock.audit import audit_snapshot, audit_write

OPEN_STATUSES = (ShortageStatus.ANTICIPATED, ShortageStatus.ONGOING)
SHORTAGE_FIELDS = {"status", "cause", "description", "expected_end", "actual_end", "started_on"}
# What the audit trail keeps of a shortage and of an action (before and after each change).
SHORTAGE_AUDITED = ("medicine", "scope", "region", "establishment", *sorted(SHORTAGE_FIELDS))
ACTION_AUDITED = ("kind", "status", "description", "owner", "due_date", "quantity")
ACTION_FIELDS = {"kind", "description", "owner", "owner_organization", "due_date", "status", "quantity"}


def _require_analyst(user) -> None:
    if not roles.is_analyst(user):
        raise PermissionDenied(_("Seuls les analystes tiennent le registre des ruptures."))


def _check(shortage: Shortage) -> Shortage:
    """Validate with errors that name the field, then run the model's own checks."""
    errors: dict[str, list[str]] = {}
    if shortage.scope == ShortageScope.REGIONAL and shortage.region_id is None:
        errors["region"] = [_("Une rupture régionale nomme sa région.")]
    if shortage.scope == ShortageScope.ESTABLISHMENT and shortage.establishment_id is None:
        errors["establishment"] = [_("Une rupture d'établissement nomme son établissement.")]
    for name in ("expected_end", "actual_end"):
        value = getattr(shortage, name)
        if value is not None and shortage.started_on and value < shortage.started_on:
            errors[name] = [_("Cette date précède le début de la rupture.")]
    if errors:
        raise ValidationError(errors)
    if shortage.status in (ShortageStatus.RESOLVED, ShortageStatus.AVOIDED) and shortage.actual_end is None:
        shortage.actual_end = timezone.localdate()
    if shortage.status == ShortageStatus.ONGOING and shortage.actual_end is not None:
        raise ValidationError({"actual_end": [_("Une rupture en cours n'a pas encore de fin réelle.")]})
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
    audit_write(
        actor=user,
        action="create",
        obj=shortage,
        after=audit_snapshot(shortage, SHORTAGE_AUDITED),
        alert=source_alert.pk if source_alert else None,
        declaration=source_declaration.pk if source_declaration else None,
    )
    return shortage


@transaction.atomic
def shortage_update(*, shortage_id: int, user, **changes) -> Shortage:
    """Change the status, cause, dates or description of a shortage (resolved/avoided sets the end)."""
    _require_analyst(user)
    unknown = set(changes) - SHORTAGE_FIELDS
    if unknown:
        raise ValidationError({name: [_("Ce champ ne peut pas être modifié.")] for name in sorted(unknown)})
    shortage = Shortage.objects.select_for_update().get(pk=shortage_id)
    before = audit_snapshot(shortage, SHORTAGE_AUDITED)
    for name, value in changes.items():
        setattr(shortage, name, value)
    _check(shortage).save(update_fields=[*changes, "actual_end", "updated_at"])
    audit_write(
        actor=user, action="update", obj=shortage, before=before, after=audit_snapshot(shortage, SHORTAGE_AUDITED)
    )
    return shortage


@transaction.atomic
def shortage_open_from_alert(*, alert_id: int, user, **changes) -> Shortage:
    """Open the shortage a national (or regional) alert proposes (``selectors.shortage_proposed_by_alert``),
    with the analyst's ``changes`` (status, cause, dates, description) over the proposed values.
    Refused when a shortage of the medicine is already open over the same scope."""
    _require_analyst(user)
    alert = Alert.objects.select_related("medicine", "region").get(pk=alert_id)
    if alert.establishment_id is not None:
        raise ValidationError({"alert": [_("Seule une alerte nationale ou régionale propose une rupture.")]})
    unknown = set(changes) - SHORTAGE_FIELDS
    if unknown:
        raise ValidationError({name: [_("Ce champ ne peut pas être modifié.")] for name in sorted(unknown)})
    values = {**shortage_proposed_by_alert(alert=alert), **changes}
    same_scope = Q(scope=ShortageScope.NATIONAL)
    if values["region"] is not None:
        same_scope |= Q(scope=ShortageScope.REGIONAL, region=values["region"])
    already = Shortage.objects.filter(same_scope, medicine=alert.medicine, status__in=OPEN_STATUSES).first()
    if already is not None:
        raise ValidationError(
            {
                "alert": [
                    _("Une rupture de ce médicament est déjà ouverte au registre (n° %(id)s).") % {"id": already.pk}
                ]
            }
        )
    return shortage_open(user=user, source_alert=alert, **values)


@transaction.atomic
def shortage_open_from_declaration(*, declaration_id: int, user) -> Shortage:
    """Turn an accepted declaration of a disruption into an anticipated national shortage with the
    declared cause and dates."""
    declaration = SupplyDeclaration.objects.select_related("medicine").get(pk=declaration_id)
    if not declaration.disruption or declaration.status != "accepted":
        raise ValidationError(
            {"declaration": [_("Seule une déclaration acceptée d'une perturbation propose une rupture.")]}
        )
    if Shortage.objects.filter(source_declaration=declaration).exists():
        raise ValidationError({"declaration": [_("Une rupture a déjà été ouverte depuis cette déclaration.")]})
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
        raise ValidationError({"from_establishment": [_("Une réallocation nomme la source et la destination.")]})
    action.full_clean()
    action.save()
    audit_write(
        actor=user, action="create", obj=action, after=audit_snapshot(action, ACTION_AUDITED), shortage=shortage_id
    )
    return action


@transaction.atomic
def action_update(*, action_id: int, user, **changes) -> MitigationAction:
    """Change an action's status, owner, due date or description."""
    _require_analyst(user)
    unknown = set(changes) - ACTION_FIELDS
    if unknown:
        raise ValidationError({name: [_("Ce champ ne peut pas être modifié.")] for name in sorted(unknown)})
    action = MitigationAction.objects.select_for_update().get(pk=action_id)
    before = audit_snapshot(action, ACTION_AUDITED)
    for name, value in changes.items():
        setattr(action, name, value)
    if action.status not in ActionStatus.values:
        raise ValidationError({"status": [_("Statut inconnu.")]})
    action.full_clean()
    action.save(update_fields=[*changes, "updated_at"])
    audit_write(
        actor=user,
        action="update",
        obj=action,
        before=before,
        after=audit_snapshot(action, ACTION_AUDITED),
        shortage=action.shortage_id,
    )
    return action
