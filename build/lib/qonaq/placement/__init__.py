"""The placement core — pure: builds the model, solves it, reads the plan back, advises desks."""
