"""Chat channels: partner chat API with server-sent events, web widget, terminal chat."""
