"""The notifications service: contacts, templates, inbox, e-mail, webhooks and reminders."""
