"""API routes of the stock app."""

from rest_framework.routers import DefaultRouter

from stock.api import views
from stock.api.audit import AuditEntryViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("audit", AuditEntryViewSet, basename="audit")
router.register("regions", views.RegionViewSet, basename="region")
router.register("establishments", views.EstablishmentViewSet, basename="establishment")
router.register("medicines", views.MedicineViewSet, basename="medicine")
router.register("products", views.ProductViewSet, basename="product")
# "stock-levels" is registered by the shortages app (shortages/api/positions.py): its rows can carry
# the positions' latest risk, which lives above stock.
router.register("lots", views.StockLotViewSet, basename="lot")
router.register("movements", views.MovementViewSet, basename="movement")
router.register("transfers", views.TransferViewSet, basename="transfer")
router.register("monthly-reports", views.MonthlyReportViewSet, basename="monthly-report")
router.register("import-jobs", views.ImportJobViewSet, basename="import-job")
router.register("consumption", views.ConsumptionViewSet, basename="consumption")
router.register("tokens", views.ApiTokenViewSet, basename="api-token")

urlpatterns = router.urls
