"""Partners (TPPs), customer and staff login, the OAuth2 authorization server and tokens."""
