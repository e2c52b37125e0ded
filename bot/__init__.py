"""chatdesk bot: the platform-neutral core and its chat adapters."""
