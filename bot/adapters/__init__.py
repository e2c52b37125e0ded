"""Adapters: one per platform. They translate payloads to core calls and replies to the platform."""
