"""Onboarding and the tenant lifecycle (租户): manifests, counties, townships, suspending, module
switches per tenant, the county console and the platform admin's pages.

A library plugin (no manifest: always on), found through the ``gridgov.plugins`` entry point like
every other plugin. It imports core; core never imports it (``tests/core/test_one_direction.py``).
"""
