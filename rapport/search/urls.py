from django.urls import path

from rapport.search import views

urlpatterns = [path("search/", views.search, name="search")]
