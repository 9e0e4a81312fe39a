"""Pages of activities and My day."""

from django.urls import path

from rapport.activities import views

urlpatterns = [
    path("my-day/", views.my_day_view, name="my-day"),
    path("my-day/call/", views.quick_call, name="my-day-call"),
    path("activities/new/", views.activity_create_view, name="activity-create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/done/", views.task_done, name="task-done"),
    path("activities/<int:pk>/meeting.ics", views.activity_ics, name="activity-ics"),
    path("calendar/<str:token>/meetings.ics", views.calendar_feed, name="calendar-feed"),
]
