"""Realistic demo data at any size (`rapport demo`, `rapport quickstart`) and the demo logins."""

from rapport.core.demo.generator import DemoResult, database_analyze, demo_load
from rapport.core.demo.users import DEMO_LOGINS, DemoLogin, demo_logins_valid, demo_users_ensure

__all__ = [
    "DEMO_LOGINS",
    "DemoLogin",
    "DemoResult",
    "database_analyze",
    "demo_load",
    "demo_logins_valid",
    "demo_users_ensure",
]
