"""Talking to AEM over HTTP: settings, auth, the client, QueryBuilder, workflow models and instances, arguments."""
