"""Partners (TPPs), customer and staff login, the OAuth2 authorization server and tokens.

Where things live:

- ``partners``: registration (hashed client secret, RSA request-signing key), client auth.
- ``oauth``: the token service — client credentials, PKCE codes, refresh rotation, RFC 7009.
- ``authorize``: validating an authorization request and sealing it across the pages.
- ``authorisation``: the customer's decision on a consent (AWAU → AUTH / RJCT).
- ``pages`` / ``browser`` / ``texts`` / ``templates``: the customer's login, consent and
  connected-apps pages (zh/en), the signed session cookie and CSRF tokens.
- ``router``: discovery, JWKS, token, revoke, userinfo, registration, connected-apps API.
- ``connected_apps``, ``customers``, ``registration``, ``sandbox``: use cases behind them.
- ``tokens`` / ``keys`` / ``deps``: signing and verifying access tokens for every API.
"""
