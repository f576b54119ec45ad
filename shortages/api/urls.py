"""API routes of the shortages app."""

from rest_framework.routers import DefaultRouter

from shortages.api import positions, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("stock-levels", positions.StockLevelViewSet, basename="stock-level")
router.register("scoring-runs", views.ScoringRunViewSet, basename="scoring-run")
router.register("risk-scores", views.RiskScoreViewSet, basename="risk-score")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("alert-subscriptions", views.SubscriptionViewSet, basename="alert-subscription")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("shortages", views.ShortageViewSet, basename="shortage")
router.register("shortage-actions", views.MitigationActionViewSet, basename="shortage-action")

urlpatterns = router.urls
