"""Role-play practice for tough review conversations: scenarios, a persona whose trust and
stress move in code from the manager's moves, a guard that keeps the model in character,
a scored debrief, and sessions persisted by a LangGraph checkpointer.

Entry point for the CLI and the API: ``assistant.roleplay.service.RoleplayService``.
"""
