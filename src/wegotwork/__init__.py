"""WeGotWork: a hiring platform small companies run themselves."""

__version__ = "0.1.0"
