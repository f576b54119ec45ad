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
from shortages.models.register import RegisterArea
from shortages.selectors import shortage_proposed_by_alert
from shortages.services.concurrency import version_require
from stock import roles
from stock.audit import audit_snapshot, audit_write
from stock.dates import date_refusal, shown_date
from stock.models import Medicine

OPEN_STATUSES = (ShortageStatus.ANTICIPATED, ShortageStatus.ONGOING)
# Statuses of a shortage that has not happened (yet), whose start may lie ahead.
NOT_STARTED_STATUSES = (ShortageStatus.ANTICIPATED, ShortageStatus.AVOIDED)
# Shortages are anticipated from stocks, declarations and alerts that see months ahead, not years:
# a start further away than this is a typing mistake (a year 9999), not a forecast.
ANTICIPATED_START_DAYS_AHEAD = 365
SHORTAGE_FIELDS = {"status", "cause", "description", "expected_end", "actual_end", "started_on"}
# What the audit trail keeps of a shortage and of an action (before and after each change).
SHORTAGE_AUDITED = ("medicine", "scope", "region", "establishment", *sorted(SHORTAGE_FIELDS))
ACTION_AUDITED = ("kind", "status", "description", "owner", "due_date", "quantity")
ACTION_FIELDS = {"kind", "description", "owner", "owner_organization", "due_date", "status", "quantity"}


def _require_analyst(user) -> None:
    if not roles.is_analyst(user):
        raise PermissionDenied(_("Seuls les analystes tiennent le registre des ruptures."))


def shortage_place_require(*, user, scope: str, region=None, establishment=None) -> None:
    """``user`` keeps the register for a shortage of ``scope`` naming ``region`` and ``establishment``
    (``RegisterArea``: a national analyst everywhere, a regional analyst its regions' and
    establishments' shortages, not the national ones); raises ``PermissionDenied`` else. The pages
    ask it before showing a form, the services before any write."""
    _require_analyst(user)
    region_id = region.pk if region is not None else None
    establishment_id = establishment.pk if establishment is not None else None
    if RegisterArea.of(user).covers(scope=scope, region_id=region_id, establishment_id=establishment_id):
        return
    if scope == ShortageScope.NATIONAL:
        raise PermissionDenied(_("Les ruptures nationales sont gérées par les analystes nationaux."))
    raise PermissionDenied(
        _("Cette rupture est hors de votre périmètre : vos régions et provinces, et leurs établissements.")
    )


def shortage_manage_require(*, user, shortage: Shortage) -> None:
    """``user`` may update ``shortage``, close it and change its actions (``Shortage.is_managed_by``);
    raises ``PermissionDenied`` else (the caller has already found the shortage visible)."""
    _require_analyst(user)
    if not shortage.is_managed_by(user):
        shortage_place_require(
            user=user, scope=shortage.scope, region=shortage.region, establishment=shortage.establishment
        )


def _managed_locked(shortage_id: int, user) -> Shortage:
    """The shortage ``shortage_id``, locked, when ``user`` manages it. Raises
    ``Shortage.DoesNotExist`` when ``user`` does not see it, ``PermissionDenied`` when it sees it
    without managing it."""
    _require_analyst(user)
    if not Shortage.objects.visible_to(user).filter(pk=shortage_id).exists():
        raise Shortage.DoesNotExist(f"shortage {shortage_id} is not visible to {user}")
    shortage = Shortage.objects.select_for_update().get(pk=shortage_id)
    shortage_manage_require(user=user, shortage=shortage)
    return shortage


def _require_places_of_action(user, *establishments) -> None:
    """The establishments an action names (a reallocation's source and destination) are the user's."""
    area = RegisterArea.of(user)
    if area.everything:
        return
    if any(place is not None and place.pk not in area.establishment_ids for place in establishments):
        raise PermissionDenied(_("Une action ne nomme que des établissements de votre périmètre."))


def _date_errors(shortage: Shortage, today: dt.date) -> dict[str, list[str]]:
    """The dates of ``shortage`` against the platform's rule of dates (``stock.dates``: nothing
    before 2000-01-01, a planned end at most ten years ahead, an actual end not after today) and its
    own: a start not after today, or at most ``ANTICIPATED_START_DAYS_AHEAD`` ahead while the
    shortage has not happened, and neither end before the start. One reason a field."""
    errors: dict[str, list[str]] = {}
    started_on, expected_end, actual_end = shortage.started_on, shortage.expected_end, shortage.actual_end
    if started_on is not None:
        latest_start = today + dt.timedelta(days=ANTICIPATED_START_DAYS_AHEAD)
        if shortage.status not in NOT_STARTED_STATUSES and started_on > today:
            errors["started_on"] = [_("Le début d'une rupture en cours ou terminée ne peut pas être dans le futur.")]
        elif started_on > latest_start:
            errors["started_on"] = [
                _("Date trop lointaine : au plus tard le %(date)s.") % {"date": shown_date(latest_start)}
            ]
        elif refusal := date_refusal(started_on, planned=True, today=today):
            errors["started_on"] = [refusal]
    for name, value, planned in (("expected_end", expected_end, True), ("actual_end", actual_end, False)):
        if value is None:
            continue
        if refusal := date_refusal(value, planned=planned, today=today):
            errors[name] = [refusal]
        elif started_on is not None and value < started_on:
            errors[name] = [_("Cette date précède le début de la rupture.")]
    return errors


def _ensure_no_other_open(shortage: Shortage) -> None:
    """One open (anticipated or ongoing) shortage per medicine and place: a second one would split
    the follow-up and the actions of the same rupture."""
    if shortage.status not in OPEN_STATUSES:
        return
    # Serialised on the medicine's row, so that two analysts opening the same shortage at once
    # cannot both pass.
    Medicine.objects.select_for_update().filter(pk=shortage.medicine_id).values_list("pk", flat=True).first()
    same_place = {
        ShortageScope.REGIONAL: {"region_id": shortage.region_id},
        ShortageScope.ESTABLISHMENT: {"establishment_id": shortage.establishment_id},
    }.get(shortage.scope, {})
    already = (
        Shortage.objects.filter(
            medicine_id=shortage.medicine_id, scope=shortage.scope, status__in=OPEN_STATUSES, **same_place
        )
        .exclude(pk=shortage.pk)
        .order_by("started_on", "pk")
        .first()
    )
    if already is not None:
        message = _(
            "Une rupture de ce médicament est déjà ouverte sur la même portée : n° %(id)s (%(status)s, "
            "depuis le %(date)s)."
        ) % {"id": already.pk, "status": already.get_status_display(), "date": shown_date(already.started_on)}
        raise ValidationError({"medicine": [message]})


def _check(shortage: Shortage) -> Shortage:
    """Validate with errors that name the field, then run the model's own checks."""
    errors: dict[str, list[str]] = {}
    if shortage.scope == ShortageScope.REGIONAL and shortage.region_id is None:
        errors["region"] = [_("Une rupture régionale nomme sa région.")]
    if shortage.scope == ShortageScope.ESTABLISHMENT and shortage.establishment_id is None:
        errors["establishment"] = [_("Une rupture d'établissement nomme son établissement.")]
    errors |= _date_errors(shortage, timezone.localdate())
    if errors:
        raise ValidationError(errors)
    _ensure_no_other_open(shortage)
    today = timezone.localdate()
    # A shortage avoided before the day it was anticipated to start never began, so it has no end
    # either: today would precede its start (the database refused it, naming its constraint).
    never_began = shortage.status == ShortageStatus.AVOIDED and shortage.started_on > today
    if shortage.status in (ShortageStatus.RESOLVED, ShortageStatus.AVOIDED) and shortage.actual_end is None:
        shortage.actual_end = None if never_began else today
    if shortage.status == ShortageStatus.ONGOING and shortage.actual_end is not None:
        raise ValidationError({"actual_end": [_("Une rupture en cours n'a pas encore de fin réelle.")]})
    if shortage.status == ShortageStatus.ANTICIPATED and shortage.actual_end is not None:
        # Back to anticipated (a status set by mistake): the end of the resolution goes with it.
        raise ValidationError({"actual_end": [_("Une rupture anticipée n'a pas encore de fin réelle.")]})
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
    or already resolved or avoided (``actual_end``, today when not given). Refused
    (``PermissionDenied``) outside the user's part of the register (``shortage_place_require``)."""
    _require_analyst(user)
    if scope == ShortageScope.ESTABLISHMENT and establishment is not None and region is None:
        region = establishment.region
    shortage_place_require(user=user, scope=scope, region=region, establishment=establishment)
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
def shortage_update(*, shortage_id: int, user, version: str | None = None, **changes) -> Shortage:
    """Change the status, cause, dates or description of a shortage (resolved/avoided sets the end).
    Raises ``Shortage.DoesNotExist`` when ``user`` does not see it, ``PermissionDenied`` when it
    does not manage it, ``VersionConflict`` when it changed since ``version`` (``Shortage.version``,
    the one its author read), if given."""
    shortage = _managed_locked(shortage_id, user)
    version_require(
        row=shortage,
        seen=version,
        message=_("Cette rupture a changé depuis votre lecture : relisez-la avant de la modifier."),
    )
    unknown = set(changes) - SHORTAGE_FIELDS
    if unknown:
        raise ValidationError({name: [_("Ce champ ne peut pas être modifié.")] for name in sorted(unknown)})
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
    alert = Alert.objects.visible_to(user).select_related("medicine", "region").get(pk=alert_id)
    if alert.establishment_id is not None:
        raise ValidationError({"alert": [_("Seule une alerte nationale ou régionale propose une rupture.")]})
    unknown = set(changes) - SHORTAGE_FIELDS
    if unknown:
        raise ValidationError({name: [_("Ce champ ne peut pas être modifié.")] for name in sorted(unknown)})
    values = {**shortage_proposed_by_alert(alert=alert), **changes}
    shortage_place_require(user=user, scope=values["scope"], region=values["region"])
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
    declared cause and dates (a national shortage: national analysts only)."""
    shortage_place_require(user=user, scope=ShortageScope.NATIONAL)
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
    """Add a mitigation action (alternative, exceptional import, reallocation...) with its owner and
    due date, to a shortage ``user`` manages, naming only establishments of its area."""
    shortage = _managed_locked(shortage_id, user)
    _require_places_of_action(user, fields.get("from_establishment"), fields.get("to_establishment"))
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
def action_update(*, action_id: int, user, version: str | None = None, **changes) -> MitigationAction:
    """Change an action's status, owner, due date or description, on a shortage ``user`` manages.
    Raises ``MitigationAction.DoesNotExist`` when ``user`` does not see it, ``VersionConflict`` when
    it changed since ``version`` (``MitigationAction.version``), if given."""
    _require_analyst(user)
    unknown = set(changes) - ACTION_FIELDS
    if unknown:
        raise ValidationError({name: [_("Ce champ ne peut pas être modifié.")] for name in sorted(unknown)})
    shortage_id = MitigationAction.objects.visible_to(user).filter(pk=action_id).values_list("shortage_id", flat=True)
    shortage_id = shortage_id.first()
    if shortage_id is None:
        raise MitigationAction.DoesNotExist(f"action {action_id} is not visible to {user}")
    _managed_locked(shortage_id, user)
    action = MitigationAction.objects.select_for_update().get(pk=action_id)
    version_require(
        row=action,
        seen=version,
        message=_("Cette action a changé depuis votre lecture : relisez-la avant de la modifier."),
    )
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
