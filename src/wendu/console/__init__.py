"""The staff web console: server-rendered pages, assets served from the package."""
