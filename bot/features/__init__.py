"""Optional features, one declaration module each: ``bot.registry.discover()`` imports them all.

A declaration names what the feature brings (its config tables, CLI groups, the verb it answers
with until installed, and its installer) without importing the feature itself, so a build or a
test without it still starts.
"""
