"""wendu (温度): an open-banking platform with customer service built in."""

__version__ = "0.1.0"
