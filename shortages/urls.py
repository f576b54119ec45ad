"""Pages of the shortages app: overview, medicines, territory, alerts and the shortage register."""

from django.urls import path

from shortages.views import alerts, medicine, overview, prediction, register, territory

app_name = "shortages"
urlpatterns = [
    path("overview/", overview.overview, name="overview"),
    path("medicines/", register.medicine_list, name="medicine_list"),
    path("medicines/<int:pk>/", medicine.medicine_detail, name="medicine_detail"),
    path("regions/", territory.region_list, name="region_list"),
    path("regions/<int:pk>/", territory.region_detail, name="region_detail"),
    path("establishments/<int:pk>/", territory.establishment_detail, name="establishment_detail"),
    path("establishments/<int:pk>/medicines/<int:medicine_id>/", prediction.position_detail, name="position_detail"),
    path("prediction/", prediction.prediction_model, name="prediction_model"),
    path(
        "prediction/models/<int:pk>/activate/", prediction.prediction_model_activate, name="prediction_model_activate"
    ),
    path(
        "prediction/horizons/<int:horizon>/rollback/",
        prediction.prediction_model_rollback,
        name="prediction_model_rollback",
    ),
    path("alerts/", alerts.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", alerts.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/assign/", alerts.alert_assign, name="alert_assign"),
    path("alerts/<int:pk>/comment/", alerts.alert_comment, name="alert_comment"),
    path("alerts/<int:pk>/resolve/", alerts.alert_resolve, name="alert_resolve"),
    path("alerts/<int:pk>/snooze/", alerts.alert_snooze, name="alert_snooze"),
    path("alerts/preferences/", alerts.alert_preferences, name="alert_preferences"),
    path("shortages/", register.shortage_list, name="shortage_list"),
    path("shortages/new/", register.shortage_create, name="shortage_create"),
    path("shortages/<int:pk>/", register.shortage_detail, name="shortage_detail"),
    path("shortages/<int:pk>/update/", register.shortage_update, name="shortage_update"),
    path("shortages/<int:pk>/actions/", register.action_add, name="action_add"),
    path("shortages/<int:pk>/actions/<int:action_id>/status/", register.action_status, name="action_status"),
    path("alerts/<int:alert_id>/shortage/", register.shortage_from_alert, name="shortage_from_alert"),
]
