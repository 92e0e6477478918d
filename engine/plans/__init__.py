"""Plans: the buying rule, drift, controlled selling, which lots to sell, the month plan, rebalancing."""
