"""chatdesk knowledge base: article sources, matching, drafts, gaps and the help site.

This package never imports ``bot`` or any chat SDK; it takes tickets as plain records.
"""
