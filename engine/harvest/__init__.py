"""The year-end harvest: the optimizer, the year-end plan around it, and its audit trail."""
