"""Items to people: chat commands, routing, alerts, the sender and admin from chat."""
