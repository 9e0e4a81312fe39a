from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"

    def ready(self) -> None:
        from rapport.core import sqlite_functions

        sqlite_functions.connect()
