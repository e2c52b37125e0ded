"""The ``chatdesk`` command line: one module per command group, gathered by ``main``."""
