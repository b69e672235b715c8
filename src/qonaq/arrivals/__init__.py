"""The arrivals' own pages: pre-registration before the PSC, and their status."""
