"""Pages of leads, deals, the board, pipelines, products and orders."""

from django.urls import path

from rapport.sales.views import board, catalog, deals, leads, orders, pick

urlpatterns = [
    path("leads/", leads.lead_list_view, name="lead-list"),
    path("leads/new/", leads.lead_create_view, name="lead-create"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/edit/", leads.lead_edit, name="lead-edit"),
    path("leads/<int:pk>/qualify/", leads.lead_qualify_view, name="lead-qualify"),
    path("leads/<int:pk>/disqualify/", leads.lead_disqualify_view, name="lead-disqualify"),
    path("leads/<int:pk>/convert/", leads.lead_convert_view, name="lead-convert"),
    path("leads/<int:pk>/attach/", leads.lead_attach, name="lead-attach"),
    path("deals/", deals.deal_list_view, name="deal-list"),
    path("deals/new/", deals.deal_create_view, name="deal-create"),
    path("deals/board/", board.deal_board, name="deal-board-default"),
    path("deals/board/<int:pk>/", board.deal_board, name="deal-board"),
    path("deals/board/<int:pk>/stages/<int:stage_pk>/cards/", board.deal_board_cards, name="deal-board-cards"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal-edit"),
    path("deals/<int:pk>/products/", deals.deal_lines, name="deal-lines"),
    path("deals/<int:pk>/move/", deals.deal_move, name="deal-move"),
    path("deals/<int:pk>/delete/", deals.deal_delete, name="deal-delete"),
    path("pipelines/", catalog.pipeline_list, name="pipeline-list"),
    path("pipelines/new/", catalog.pipeline_create_view, name="pipeline-create"),
    path("products/", catalog.product_list_view, name="product-list"),
    path("products/new/", catalog.product_create_view, name="product-create"),
    path("products/<int:pk>/edit/", catalog.product_edit, name="product-edit"),
    path("orders/", orders.order_list_view, name="order-list"),
    path("orders/new/", orders.order_create_view, name="order-create"),
    path("orders/<int:pk>/", orders.order_detail, name="order-detail"),
    path("pick/<str:kind>/", pick.pick_options, name="pick-options"),
]
