"""Items to people: leader matching now; routing, outbox and chat commands to come."""
