"""Items to SQLite: schema and migrations, item identity, and every query."""
