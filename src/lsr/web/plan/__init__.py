"""The action plan and progress review app."""
