"""Governance beneath every stage: who acts, what they may do, and the record of what they did.

It owns users, passwords and sessions, roles and the access rule every library function applies, who the command
line or a notebook acts as (identity), the hash-chained audit log, the notification outbox, and the tables of the
governance store. Stages import it; it imports only the workspace floor.
"""
