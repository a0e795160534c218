"""Hostile-input tests: what an attacker (or a careless outlet) sends must do no harm."""
