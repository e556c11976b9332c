"""Market data: the exchange's public CSV layouts, loaders, a seeded generator, a recorder."""
