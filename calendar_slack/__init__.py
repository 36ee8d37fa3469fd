"""calendar-slack: measure calendar load and put air back into calendars."""

__version__ = "0.1.0"
