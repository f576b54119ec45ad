"""Alert rules on hand-built frames; alert lifecycle: opened, escalated, closed after two clear runs;
analysts' actions; notifications."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.core import mail

from shortages.choices import AlertEventKind, AlertKind, AlertStatus, RunStatus
from shortages.models import Alert, Notification, ScoringRun, Subscription
from shortages.scoring import ScoringParams, position_conditions
from shortages.services import notifications, scores
from stock.models import ConsumptionMonth, StockLevel
from tests import factories
from tests.shortages.conftest import AS_OF

pytestmark = pytest.mark.django_db


def scored_positions(*rows: tuple[int, str, str, float, float]) -> pd.DataFrame:
    """Scored hospital positions (AMC 100 units a month, no expiry at risk) from rows of
    (medicine id, VEN class, status, months of stock, P)."""
    frame = pd.DataFrame(rows, columns=["medicine_id", "ven_class", "stock_status", "months_of_stock", "P"])
    return frame.assign(
        establishment_id=1,
        region_id=1,
        amc=100.0,
        stock=frame["months_of_stock"] * 100,
        usable_stock=frame["months_of_stock"] * 100,
        expiry_at_risk=0.0,
    ).rename(columns={"P": "stockout_probability"})


def probability_alerts(scored: pd.DataFrame, cut: float) -> dict[int, str]:
    conditions = position_conditions(scored, ScoringParams(as_of=AS_OF, probability_alert=cut))
    chosen = conditions.loc[conditions["kind"] == AlertKind.HIGH_PROBABILITY]
    return dict(zip(chosen["medicine_id"], chosen["level"], strict=True))


def test_a_high_probability_inside_the_max_min_band_raises_no_alert():
    # given: P over the cut, but 1.8 and 3.5 months of stock, above the minimum of 1.5
    scored = scored_positions((1, "E", "adequate", 1.8, 0.97), (2, "V", "overstocked", 3.5, 0.95))
    # when / then: the former rule (any status above the emergency point) raised both, critical
    assert probability_alerts(scored, cut=0.9) == {}


def test_an_understocked_position_over_the_cut_takes_its_level_from_the_table():
    # given: understocked E and V medicines over the cut, one understocked under it, P from the formula
    scored = scored_positions(
        (1, "E", "understocked", 1.2, 0.95),
        (2, "V", "understocked", 1.0, 0.999),
        (3, "E", "understocked", 1.4, 0.85),
    )
    # when
    alerts = probability_alerts(scored, cut=0.9)
    # then: the formula's P is not a chance, the state's level alone: medium (never low)
    assert alerts == {1: "medium", 2: "medium"}
    # and the cut comes from the parameter
    assert probability_alerts(scored, cut=0.8) == {1: "medium", 2: "medium", 3: "medium"}
    # when a learned model gave P (calibrated): P >= 0.8 is high for E, critical for V
    assert probability_alerts(scored.assign(model_version=4), cut=0.8) == {1: "high", 2: "critical", 3: "high"}


def test_below_the_emergency_point_or_stocked_out_raises_its_own_alert_not_the_probability_one():
    # given
    scored = scored_positions((1, "V", "below_emergency", 0.3, 1.0), (2, "E", "stocked_out", 0.0, 1.0))
    # when
    conditions = position_conditions(scored, ScoringParams(as_of=AS_OF, probability_alert=0.9))
    # then
    assert sorted(zip(conditions["kind"], conditions["level"], strict=True)) == [
        ("below_emergency", "high"),
        ("stockout", "high"),
    ]


@pytest.fixture
def position(personas):
    """Hospital A's position of an essential medicine consumed 100 units a month, stocked out."""
    medicine = factories.MedicineFactory(ven_class="E", therapeutic_section="Cardiovascular medicines")
    level = StockLevel.objects.create(establishment=personas.hospital_a, medicine=medicine, quantity=0)
    for month in (dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)):
        ConsumptionMonth.objects.create(establishment=personas.hospital_a, medicine=medicine, month=month, issued=100)
    return level


def stockout_alert(position) -> Alert:
    return Alert.objects.get(kind=AlertKind.STOCKOUT, medicine=position.medicine, establishment=position.establishment)


def test_a_run_raises_the_probability_alert_below_the_minimum_only(position):
    # given 1.8 months of stock (100 units a month, no spread): P = 1 within the two-month horizon
    StockLevel.objects.filter(pk=position.pk).update(quantity=180)
    # when
    scores.scoring_run_execute(as_of=AS_OF)
    # then: inside the max-min band, no alert (the routine order is due)
    assert position.medicine.risk_scores.get(establishment=position.establishment).stockout_probability == 1.0
    assert not Alert.objects.filter(kind=AlertKind.HIGH_PROBABILITY).exists()
    # when the stock falls to 1.2 months, under the minimum of 1.5
    StockLevel.objects.filter(pk=position.pk).update(quantity=120)
    scores.scoring_run_execute(as_of=AS_OF)
    # then
    alert = Alert.objects.get(kind=AlertKind.HIGH_PROBABILITY, establishment=position.establishment)
    assert alert.level == "medium" and alert.value["stockout_probability"] == 1.0


def test_a_stockout_opens_one_alert_with_its_event(position):
    # when
    run = scores.scoring_run_execute(as_of=AS_OF)
    # then
    alert = stockout_alert(position)
    assert alert.level == "high" and alert.status == AlertStatus.OPEN
    assert alert.region_id == position.establishment.region_id
    assert [(e.kind, e.run_id, e.to_value) for e in alert.events.all()] == [("opened", run.pk, "high")]


def test_the_level_follows_the_condition_and_the_alert_closes_after_two_clear_runs(position):
    # given an open stockout alert
    scores.scoring_run_execute(as_of=AS_OF)
    # when the medicine becomes vital: escalation
    type(position.medicine).objects.filter(pk=position.medicine_id).update(ven_class="V")
    scores.scoring_run_execute(as_of=AS_OF)
    alert = stockout_alert(position)
    assert alert.level == "critical"
    # when stock comes back: one clear run keeps it open, the second closes it
    StockLevel.objects.filter(pk=position.pk).update(quantity=250)
    scores.scoring_run_execute(as_of=AS_OF)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.clear_runs == 1
    scores.scoring_run_execute(as_of=AS_OF)
    alert.refresh_from_db()
    # then
    assert alert.status == AlertStatus.CLOSED and alert.closed_at is not None
    kinds = list(alert.events.values_list("kind", flat=True))
    assert kinds == [AlertEventKind.OPENED, AlertEventKind.ESCALATED, AlertEventKind.CLOSED]


def test_a_condition_that_comes_back_resets_the_clear_count(position):
    scores.scoring_run_execute(as_of=AS_OF)
    StockLevel.objects.filter(pk=position.pk).update(quantity=250)
    scores.scoring_run_execute(as_of=AS_OF)
    StockLevel.objects.filter(pk=position.pk).update(quantity=0)
    scores.scoring_run_execute(as_of=AS_OF)
    alert = stockout_alert(position)
    assert alert.status == AlertStatus.OPEN and alert.clear_runs == 0
    assert Alert.objects.filter(kind=AlertKind.STOCKOUT).count() == 1


def an_earlier_run() -> ScoringRun:
    """A succeeded run of the day before: the history is not new, so runs notify what they open."""
    return ScoringRun.objects.create(as_of=AS_OF - dt.timedelta(days=1), status=RunStatus.SUCCEEDED)


def test_the_inbox_holders_and_allowed_subscribers_hear_on_open_and_escalation_only(personas, position):
    # given an earlier run; the (national) analyst follows the region, a hospital B user follows the
    # section (not their alert)
    an_earlier_run()
    Subscription.objects.create(user=personas.analyst, region=position.establishment.region, min_level="medium")
    Subscription.objects.create(
        user=personas.hospital_b_user, therapeutic_section="Cardiovascular medicines", min_level="low"
    )
    # when: open, same again, escalation
    scores.scoring_run_execute(as_of=AS_OF)
    scores.scoring_run_execute(as_of=AS_OF)
    type(position.medicine).objects.filter(pk=position.medicine_id).update(ven_class="V")
    scores.scoring_run_execute(as_of=AS_OF)
    # then hospital A's user (their inbox) and the analyst (their subscription) hear of the opening
    # and the escalation; nothing is e-mailed before the daily digest
    notifications = Notification.objects.filter(alert=stockout_alert(position))
    assert sorted(notifications.values_list("user__username", "event__kind")) == [
        ("analyst", "escalated"),
        ("analyst", "opened"),
        ("hospital_a", "escalated"),
        ("hospital_a", "opened"),
    ]
    assert not any(n.emailed_at for n in notifications) and not mail.outbox
    assert not Notification.objects.filter(user=personas.hospital_b_user, alert=stockout_alert(position)).exists()


def test_an_alert_text_is_rendered_once_for_all_who_hear_of_it(personas, position, monkeypatch):
    # given an earlier run, and the analyst subscribed to the region of hospital A's position
    an_earlier_run()
    Subscription.objects.create(user=personas.analyst, region=position.establishment.region, min_level="low")
    rendered = []
    render = notifications.render_to_string

    def spy(name, context):
        rendered.append((name, context["alert"].pk))
        return render(name, context)

    monkeypatch.setattr(notifications, "render_to_string", spy)
    # when a run opens the position's alerts
    scores.scoring_run_execute(as_of=AS_OF)
    # then two users hear of the stockout alert, with one text rendered once (subject and body)
    alert = stockout_alert(position)
    texts = Notification.objects.filter(alert=alert).values_list("user__username", "subject", "body")
    assert sorted(user for user, _subject, _body in texts) == ["analyst", "hospital_a"]
    assert len({(subject, body) for _user, subject, body in texts}) == 1
    assert str(position.medicine) in texts[0][1]
    assert sorted(name for name, pk in rendered if pk == alert.pk) == [
        "emails/shortages/alert.txt",
        "emails/shortages/alert_subject.txt",
    ]
    notified = set(Notification.objects.values_list("alert_id", flat=True))
    assert len(rendered) == 2 * len(notified) < 2 * Notification.objects.count()


def test_the_first_run_over_a_new_history_opens_its_alerts_without_notifying(personas, position):
    # given no earlier run, and the analyst subscribed to the medicine
    Subscription.objects.create(user=personas.analyst, medicine=position.medicine, min_level="low")
    # when
    run = scores.scoring_run_execute(as_of=AS_OF)
    # then the alert is open, nobody is notified
    assert run.alerts_opened >= 1 and stockout_alert(position).status == AlertStatus.OPEN
    assert not Notification.objects.exists()


def test_the_inbox_lists_own_notifications_and_marks_them_read(personas, position, api_client_for):
    an_earlier_run()
    Subscription.objects.create(user=personas.analyst, medicine=position.medicine, min_level="low")
    scores.scoring_run_execute(as_of=AS_OF)
    client = api_client_for(personas.analyst)
    inbox = client.get("/api/v1/notifications/").json()["results"]
    assert inbox and inbox[0]["read_at"] is None
    response = client.post(f"/api/v1/notifications/{inbox[0]['id']}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert api_client_for(personas.hospital_b_user).get("/api/v1/notifications/").json()["results"] == []


def test_a_user_whose_scope_shrank_no_longer_reads_the_notifications_of_alerts_outside_it(
    personas, position, api_client_for
):
    # given hospital A's user notified of its stockout alert
    an_earlier_run()
    scores.scoring_run_execute(as_of=AS_OF)
    alert = stockout_alert(position)
    notification = Notification.objects.get(user=personas.hospital_a_user, alert=alert)
    client = api_client_for(personas.hospital_a_user)
    assert [row["id"] for row in client.get("/api/v1/notifications/").json()["results"]] == [notification.pk]
    # when the user is no longer linked to hospital A
    personas.hospital_a.users.remove(personas.hospital_a_user)
    client = api_client_for(personas.hospital_a_user)
    # then the inbox no longer lists it, and neither reading nor marking it read answers
    assert client.get("/api/v1/notifications/").json()["results"] == []
    assert client.get(f"/api/v1/notifications/{notification.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
    with pytest.raises(Notification.DoesNotExist):
        notifications.notification_mark_read(notification_id=notification.pk, user=personas.hospital_a_user)
    notification.refresh_from_db()
    assert notification.read_at is None
    # and linked again, the user reads it again: nothing was deleted
    personas.hospital_a.users.add(personas.hospital_a_user)
    client = api_client_for(personas.hospital_a_user)
    assert client.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 200


def test_an_analyst_acknowledges_assigns_comments_and_resolves(personas, position, api_client_for):
    # given
    scores.scoring_run_execute(as_of=AS_OF)
    alert = stockout_alert(position)
    client = api_client_for(personas.analyst)
    base = f"/api/v1/alerts/{alert.pk}"
    # when
    assert client.post(f"{base}/acknowledge/", {"comment": "vu"}, format="json").status_code == 200
    assert client.post(f"{base}/assign/", {"assignee": "analyst"}, format="json").status_code == 200
    assert client.post(f"{base}/comment/", {"comment": "commande passée"}, format="json").status_code == 200
    response = client.post(f"{base}/resolve/", {"comment": "livré"}, format="json")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved" and body["assignee"] == "analyst"
    assert [event["kind"] for event in body["events"]] == [
        "opened",
        "acknowledged",
        "assigned",
        "commented",
        "resolved",
    ]
    assert body["events"][3]["actor"] == "analyst" and body["events"][3]["comment"] == "commande passée"
    again = client.post(f"{base}/resolve/", {}, format="json")
    assert again.status_code == 400 and "status" in again.json()["error"]["fields"]


def test_only_analysts_act_on_alerts_and_each_role_sees_its_scope(personas, position, api_client_for):
    scores.scoring_run_execute(as_of=AS_OF)
    alert = stockout_alert(position)
    hospital_a = api_client_for(personas.hospital_a_user)
    assert hospital_a.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json").status_code == 403
    assert [row["id"] for row in hospital_a.get("/api/v1/alerts/").json()["results"]] == [alert.pk]
    assert api_client_for(personas.hospital_b_user).get("/api/v1/alerts/").json()["results"] == []
    assert api_client_for(personas.company_user).get(f"/api/v1/alerts/{alert.pk}/").status_code == 404


def test_assigning_to_a_non_analyst_names_the_field(personas, position, api_client_for):
    scores.scoring_run_execute(as_of=AS_OF)
    response = api_client_for(personas.analyst).post(
        f"/api/v1/alerts/{stockout_alert(position).pk}/assign/", {"assignee": "hospital_a"}, format="json"
    )
    assert response.status_code == 400
    assert "assignee" in response.json()["error"]["fields"]


def test_lots_that_will_expire_unused_raise_an_expiry_alert_with_the_figure(personas, position, api_client_for):
    # given 500 units in a lot expiring in 2 months while 100 are used a month: 300 will expire unused
    from stock.models import StockLot

    StockLevel.objects.filter(pk=position.pk).update(quantity=500)
    StockLot.objects.create(
        establishment=position.establishment,
        medicine=position.medicine,
        lot_number="L-EXP",
        expiry_date=AS_OF + dt.timedelta(days=61),
        quantity=500,
    )
    # when
    scores.scoring_run_execute(as_of=AS_OF)
    # then
    alert = Alert.objects.get(kind=AlertKind.EXPIRY, establishment=position.establishment)
    assert alert.level == "high"  # 300 of 500 units, more than half the stock
    assert alert.value["expiry_at_risk"] == pytest.approx(500 - 61 * 100 / 30.4375, abs=0.01)
    row = (
        api_client_for(personas.hospital_a_user)
        .get("/api/v1/risk-scores/", {"establishment": position.establishment_id})
        .json()["results"][0]
    )
    assert row["usable_stock"] == pytest.approx(61 * 100 / 30.4375, abs=0.01)
    assert row["figures"]["expiring_unused"] == pytest.approx(500 - 61 * 100 / 30.4375, abs=0.01)


def test_declarations_raise_safety_stock_and_disruption_alerts_nationally(personas):
    # given a company declaring one month of stock (duty: three) and a disruption
    from partners.models import SupplyDeclaration

    medicine = factories.MedicineFactory(ven_class="V")
    SupplyDeclaration.objects.create(
        company=personas.member_company,
        medicine=medicine,
        month=dt.date(2026, 6, 1),
        stock_on_hand=100,
        monthly_sales=100,
        disruption=True,
        disruption_cause="api",
        status="accepted",
    )
    # when
    scores.scoring_run_execute(as_of=AS_OF)
    # then
    alerts = dict(Alert.objects.filter(medicine=medicine).values_list("kind", "level"))
    assert alerts[AlertKind.SAFETY_STOCK] == "high"  # 1 month < 1.5, half the duty
    assert alerts[AlertKind.DISRUPTION] == "critical"  # all declared sales disrupted
    national = medicine.risk_scores.get(establishment__isnull=True)
    assert national.figures["companies_in_breach"] == 1
    assert national.figures["safety_stock_gap"] == 200
    assert national.contributions["disruption"] > 0 and national.score is not None
