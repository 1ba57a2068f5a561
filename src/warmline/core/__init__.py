"""The pure core: decisions are a function of (conversation so far, message, draft, customer, policy, now)."""
