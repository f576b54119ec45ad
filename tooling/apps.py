from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Tools that use the three domain apps and that none of them uses: the demo history, the
    national dataset generator and the benchmarks (``manage.py demo``, ``generate_demo``,
    ``generate_national``, ``benchmark``). No models."""

    name = "tooling"
    verbose_name = "Outils"
