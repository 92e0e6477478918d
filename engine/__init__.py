"""lotwise: a tax-lot aware harvesting and rebalancing engine for Indian investors."""

__version__ = "0.2.0"
