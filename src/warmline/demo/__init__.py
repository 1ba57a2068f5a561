"""The demo: a small FAQ bot (a YAML knowledge base; its retrieval score is the draft's confidence) and a
customer chat page, so that a new user can be the customer, watch the handoff arrive in the console, answer as
the agent and rate the conversation."""
