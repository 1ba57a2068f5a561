"""The imperative shell around the core: load state, call the core, persist the decision, handoff and timers
in one transaction."""
