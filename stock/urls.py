"""Pages of the stock app."""

from django.urls import path

from stock import views, views_audit, views_tokens

app_name = "stock"
urlpatterns = [
    path("stock/reports/upload/", views.report_upload, name="report_upload"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("medicines/suggestions/", views.medicine_suggestions, name="medicine_suggestions"),
    path("acces-api/", views_tokens.token_list, name="token_list"),
    path("acces-api/<int:pk>/revoquer/", views_tokens.token_revoke_view, name="token_revoke"),
]
