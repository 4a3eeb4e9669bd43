"""Helpers shared by tests: sample reports, form submission, canary scans, live servers."""
