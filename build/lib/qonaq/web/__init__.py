"""The web service: JSON API under /api/v1 and server-rendered pages, in kk, ru and en."""
