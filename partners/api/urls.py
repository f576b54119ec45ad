"""API routes of the partners app."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from partners.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("companies", views.CompanyViewSet, basename="company")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("product-suppliers", views.ProductSupplierViewSet, basename="productsupplier")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("commitment-progress", views.CommitmentProgressViewSet, basename="commitmentprogress")
router.register("declarations", views.DeclarationViewSet, basename="declaration")

urlpatterns = [
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("local-sourcing/", views.LocalSourcingView.as_view(), name="local-sourcing"),
    *router.urls,
]
