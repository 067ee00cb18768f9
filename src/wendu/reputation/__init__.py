"""Reputation: public mentions of the bank, what they are about, and bursts caught early.

``topics`` tells what a mention is about, ``detect`` finds bursts in streams of mention
counts (seasonal baseline + Poisson CUSUM), ``mentions`` reads vendor exports, ``cli`` is
``wendu reputation``.
"""
