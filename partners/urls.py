"""Pages of the partners app."""

from django.urls import path

from partners.views import declarations, registry

app_name = "partners"
urlpatterns = [
    path("partenaires/", registry.organization_list, name="organization_list"),
    path("partenaires/<int:pk>/", registry.organization_detail_view, name="organization_detail"),
    path("accords/", registry.agreement_list, name="agreement_list"),
    path("accords/<int:pk>/", registry.agreement_detail, name="agreement_detail"),
    path("engagements/", registry.commitment_list_view, name="commitment_list"),
    path("engagements/<int:pk>/avancement/", registry.commitment_progress, name="commitment_progress"),
    path("declarations/", declarations.declaration_list, name="declaration_list"),
    path("declarations/nouvelle/", declarations.declaration_create, name="declaration_create"),
    path("declarations/import/", declarations.declaration_upload, name="declaration_upload"),
    path("declarations/modele/", declarations.declaration_template_download, name="declaration_template"),
    path("declarations/retards/", declarations.late_declarants, name="late_declarants"),
    path("declarations/stock-de-securite/", declarations.compliance, name="compliance"),
    path("declarations/<int:pk>/", declarations.declaration_detail, name="declaration_detail"),
    path("declarations/<int:pk>/examen/", declarations.declaration_review_view, name="declaration_review"),
]
