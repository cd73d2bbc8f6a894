"""The greeting of a township."""
from __future__ import annotations

from core.modules import module_settings


def greeting(tenant) -> str:
    settings = module_settings(tenant, "hello")
    return " ".join([settings["greeting"]] * settings["repeat"])
