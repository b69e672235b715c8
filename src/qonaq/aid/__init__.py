"""Help first: arrivals' requests for help, volunteers' offers, matching and commitments."""
