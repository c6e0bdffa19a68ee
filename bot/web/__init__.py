"""The ASGI web app (Starlette): web chat, webhooks, health, later the staff pages."""
