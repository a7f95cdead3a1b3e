"""Plain data shared by every part: functions, limits, ARNs, settings and the error tree.

Nothing in this package does I/O.
"""
