from django.apps import AppConfig


class ShortagesConfig(AppConfig):
    name = "shortages"
    verbose_name = "Ruptures"
