"""The staff pages' request handlers, one module per area; `bot.staff.app` routes them."""
