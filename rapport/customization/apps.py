from django.apps import AppConfig


class CustomizationConfig(AppConfig):
    name = "rapport.customization"
    label = "customization"
