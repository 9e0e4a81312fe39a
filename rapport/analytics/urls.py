"""Analytics page URLs."""

from django.urls import path

from rapport.analytics import views

urlpatterns = [
    path("analytics/", views.home, name="analytics-home"),
    path("analytics/segments/<str:name>/", views.segment, name="analytics-segment"),
    path("analytics/abc/", views.abc, name="analytics-abc"),
    path("analytics/clv/", views.clv, name="analytics-clv"),
    path("analytics/model/", views.model_fit, name="analytics-model"),
    path("analytics/kpis/", views.kpis, name="analytics-kpis"),
    path("analytics/kpis/<slug:key>/", views.kpi_drill, name="analytics-kpi-drill"),
    path("analytics/dashboards/<slug:board>/", views.dashboard, name="analytics-dashboard"),
    path("analytics/forecast/", views.forecast, name="analytics-forecast"),
    path("analytics/settings/", views.settings_page, name="analytics-settings"),
    path("analytics/recalculate/<slug:kind>/", views.recalc, name="analytics-recalculate"),
    path("analytics/runs/<int:pk>/", views.run_status, name="analytics-run-status"),
]
