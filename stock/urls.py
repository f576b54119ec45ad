"""Pages of the stock app."""

from django.urls import path

from stock import views, views_audit

app_name = "stock"
urlpatterns = [
    path("stock/reports/upload/", views.report_upload, name="report_upload"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("medicines/suggestions/", views.medicine_suggestions, name="medicine_suggestions"),
]
