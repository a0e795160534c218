from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "akhbar.moderation"
    label = "moderation"
    verbose_name = "Moderation"
